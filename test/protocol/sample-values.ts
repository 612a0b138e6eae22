// Builds sample values for any message schema by walking its Type tree, so round-trip and fuzz tests cover
// every field of every version without a hand-written fixture per API. Each scalar gets a distinct value
// (a running counter), so a field decoded into the wrong slot shows up in deepEqual.

import type { Field, Fields, Message, Type } from '../../src/protocol/schema.ts';
import { inRange } from '../../src/protocol/schema.ts';

// 'full': every nullable set, two elements per array, tagged fields off their defaults.
// 'sparse': every nullable null, every array empty, scalars at their zero value.
export type SampleMode = 'full' | 'sparse';

export function sampleValue(msg: Message<unknown>, version: number, mode: SampleMode): unknown {
  const counter = { n: 1 };
  return build(msg.type as Type<unknown>, version, mode, counter);
}

// What the decoder produces for a field the wire version does not carry.
function absentValue(field: Field<unknown>): unknown {
  return 'default' in field ? field.default : field.type.zero();
}

function build(t: Type<unknown>, version: number, mode: SampleMode, counter: { n: number }): unknown {
  if (mode === 'sparse') {
    if (t.nullable) return null;
    if (t.kind === 'array') return [];
    if (t.kind !== 'struct') return t.zero();
  }
  const n = counter.n++;
  switch (t.kind) {
    case 'int8': return (n % 200) - 100;
    case 'int16': return n * 31 - 1000;
    case 'uint16': return (n * 131) % 65536;
    case 'int32': return n * 100_003 - 5_000_000;
    case 'uint32': return (n * 2_654_435_761) % 2 ** 32;
    // Beyond 32 bits, so both halves of the int64 are exercised.
    case 'int64': return n * 2 ** 36 + 7;
    case 'float64': return n + 0.25;
    case 'bool': return n % 2 === 1;
    // Non-ASCII so that length prefixes must count UTF-8 bytes, not characters.
    case 'string': return `s${n}-ü`;
    case 'bytes':
    case 'records': return Buffer.from([n & 0xff, 0x00, 0xff, 0x7f]);
    case 'uuid': return `${n.toString(16).padStart(8, '0')}-0000-4000-8000-${'0'.repeat(11)}${(n % 16).toString(16)}`;
    case 'array': {
      const item = t.item as Type<unknown>;
      return [build(item, version, mode, counter), build(item, version, mode, counter)];
    }
    case 'struct': {
      const o: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(t.fields as Fields)) {
        o[name] = inRange(field.versions, version) ? build(field.type, version, mode, counter) : absentValue(field);
      }
      return o;
    }
  }
}
