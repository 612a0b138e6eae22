import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, Reader } from '../../src/protocol/reader.ts';
import type { Message } from '../../src/protocol/schema.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { seededRandom } from '../helpers/random.ts';
import { ALL_APIS, versionsOf } from './all-apis.ts';
import { sampleValue } from './sample-values.ts';

// Decoding hostile bytes must only ever fail with DecodeError: the connection layer treats that as a
// malformed frame and closes the connection, while any other exception would be logged as a broker bug.

const CASES_PER_VERSION = 200;


function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

// Half the cases are pure noise (they mostly fail at the first length prefix); the other half corrupt a
// valid encoding, which gets past the first fields and exercises nested arrays, strings and tagged fields.
function fuzzCase(rand: () => number, valid: Buffer, i: number): Buffer {
  if (i % 2 === 0) return randomBytes(rand, Math.floor(rand() * 96));
  const b = Buffer.from(valid);
  switch (i % 6) {
    case 1: {
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips && b.length > 0; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      return b;
    }
    case 3:
      return b.subarray(0, Math.floor(rand() * b.length));
    default: {
      // Overwrite a run with 0xff / 0x80 bytes: -1 lengths, huge classic lengths, unterminated varints.
      const at = Math.floor(rand() * Math.max(1, b.length));
      const fill = rand() < 0.5 ? 0xff : 0x80;
      for (let k = at; k < Math.min(b.length, at + 1 + Math.floor(rand() * 6)); k++) b[k] = fill;
      return b;
    }
  }
}

function validEncoding(m: Message<unknown>, version: number): Buffer {
  const w = new Writer();
  m.encode(w, version, sampleValue(m, version, 'full'));
  return w.toBuffer();
}

for (const a of ALL_APIS) {
  for (const m of [a.request, a.response]) {
    test(`${m.name}: random and corrupted bytes only ever throw DecodeError`, () => {
      let decoded = 0;
      let rejected = 0;
      for (const version of versionsOf(m)) {
        const rand = seededRandom(a.key * 1000 + version * 2 + (m === a.request ? 0 : 1));
        const valid = validEncoding(m, version);
        for (let i = 0; i < CASES_PER_VERSION; i++) {
          const input = fuzzCase(rand, valid, i);
          try {
            m.decode(new Reader(input), version);
            decoded++;
          } catch (err) {
            if (!(err instanceof DecodeError)) {
              assert.fail(`${m.name} v${version} case ${i} threw ${String(err)} for ${input.toString('hex')}`);
            }
            rejected++;
          }
        }
      }
      // Both outcomes must occur, or the corpus is not reaching past the first field.
      assert.ok(rejected > 0, 'no input was rejected');
      assert.ok(decoded > 0, 'no input decoded');
    });
  }
}
