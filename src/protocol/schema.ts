// Schema-driven codec. Each Kafka message is defined once, the way Apache Kafka's message JSON does it:
// fields carry the version range they exist in, an optional tag for tagged fields, and defaults. From one
// definition we derive (and cache) an encoder and a decoder for every version, including flexible versions
// (compact strings/arrays/bytes and tagged-field sections). Handlers see one version-independent object:
// fields absent from the wire version decode to their default and are skipped on encode.

import { DecodeError, Reader } from './reader.ts';
import { Writer } from './writer.ts';

type Kind =
  | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64' | 'bool'
  | 'string' | 'bytes' | 'records' | 'uuid' | 'array' | 'struct';

export interface Type<T> {
  readonly kind: Kind;
  readonly nullable: boolean;
  readonly zero: () => T;
  readonly item?: Type<unknown>;
  readonly fields?: Fields;
}

export interface Field<T> {
  readonly type: Type<T>;
  readonly versions: VersionRange;
  readonly tag?: number;
  readonly taggedVersions?: VersionRange;
  readonly default?: T;
}

export type Fields = { readonly [name: string]: Field<unknown> };
export type InferFields<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };
export type Infer<S> = S extends Message<infer T> ? T : S extends Type<infer T> ? T : never;

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

// Parses Kafka's version notation: "3+", "0-7", "5", or "none".
export function range(spec: string): VersionRange {
  if (spec === 'none') return { min: 1, max: 0 };
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { min: Number(plus[1]), max: Number.MAX_SAFE_INTEGER };
  const span = /^(\d+)-(\d+)$/.exec(spec);
  if (span) return { min: Number(span[1]), max: Number(span[2]) };
  if (/^\d+$/.test(spec)) return { min: Number(spec), max: Number(spec) };
  throw new Error(`bad version range: ${spec}`);
}

export function inRange(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}

function scalar<T>(kind: Kind, zero: T): Type<T> {
  return { kind, nullable: false, zero: () => zero };
}

export const int8 = scalar<number>('int8', 0);
export const int16 = scalar<number>('int16', 0);
export const uint16 = scalar<number>('uint16', 0);
export const int32 = scalar<number>('int32', 0);
export const uint32 = scalar<number>('uint32', 0);
export const int64 = scalar<number>('int64', 0);
export const float64 = scalar<number>('float64', 0);
export const bool = scalar<boolean>('bool', false);
export const string = scalar<string>('string', '');
export const bytes: Type<Buffer> = { kind: 'bytes', nullable: false, zero: () => Buffer.alloc(0) };
export const uuid = scalar<string>('uuid', '00000000-0000-0000-0000-000000000000');
// Record batches travel as opaque bytes: the broker stores them as received.
export const records: Type<Buffer | null> = { kind: 'records', nullable: true, zero: () => null };

export const ZERO_UUID = uuid.zero();

// A nullable string/bytes/array: null encodes as length -1 (classic) or 0 (compact).
export function nullable<T>(t: Type<T>): Type<T | null> {
  if (t.kind !== 'string' && t.kind !== 'bytes' && t.kind !== 'array') {
    throw new Error(`${t.kind} cannot be nullable`);
  }
  return { ...t, nullable: true, zero: () => null };
}

export function array<T>(item: Type<T>): Type<T[]> {
  return { kind: 'array', nullable: false, item: item as Type<unknown>, zero: () => [] };
}

export function struct<F extends Fields>(fields: F): Type<InferFields<F>> {
  const zero = (): InferFields<F> => {
    const o: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(fields)) o[name] = defaultOf(f);
    return o as InferFields<F>;
  };
  return { kind: 'struct', nullable: false, fields, zero };
}

interface FieldOptions<T> {
  tag?: number;
  taggedVersions?: string;
  default?: T;
}

// f(type, versions, options): one field of a struct. Tagged fields give `tag` (and `taggedVersions` when
// they differ from `versions`).
export function f<T>(type: Type<T>, versions: string, opts: FieldOptions<T> = {}): Field<T> {
  const field: { -readonly [K in keyof Field<T>]: Field<T>[K] } = { type, versions: range(versions) };
  if (opts.tag !== undefined) {
    field.tag = opts.tag;
    field.taggedVersions = range(opts.taggedVersions ?? versions);
  }
  if ('default' in opts) field.default = opts.default as T;
  return field;
}

function defaultOf(f: Field<unknown>): unknown {
  return 'default' in f ? cloneDefault(f.default) : f.type.zero();
}

function cloneDefault(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

type Encode = (w: Writer, v: unknown) => void;
type Decode = (r: Reader) => unknown;
interface Codec {
  encode: Encode;
  decode: Decode;
}

function compileType(t: Type<unknown>, version: number, flexible: boolean): Codec {
  switch (t.kind) {
    case 'int8': return { encode: (w, v) => w.int8(v as number), decode: (r) => r.int8() };
    case 'int16': return { encode: (w, v) => w.int16(v as number), decode: (r) => r.int16() };
    case 'uint16': return { encode: (w, v) => w.uint16(v as number), decode: (r) => r.uint16() };
    case 'int32': return { encode: (w, v) => w.int32(v as number), decode: (r) => r.int32() };
    case 'uint32': return { encode: (w, v) => w.uint32(v as number), decode: (r) => r.uint32() };
    case 'int64': return { encode: (w, v) => w.int64(v as number), decode: (r) => r.int64() };
    case 'float64': return { encode: (w, v) => w.float64(v as number), decode: (r) => r.float64() };
    case 'bool': return { encode: (w, v) => w.bool(v as boolean), decode: (r) => r.bool() };
    case 'uuid': return { encode: (w, v) => w.uuid(v as string), decode: (r) => r.uuid() };
    case 'string': {
      const nullableType = t.nullable;
      return {
        encode: (w, v) => {
          if (v === null && !nullableType) throw new RangeError('null for a non-nullable string');
          w.string(v as string | null, flexible);
        },
        decode: (r) => {
          const n = r.stringLength(flexible);
          if (n < 0) {
            if (!nullableType) throw new DecodeError('null in a non-nullable string');
            return null;
          }
          return r.utf8(n);
        },
      };
    }
    case 'bytes':
    case 'records': {
      const nullableType = t.nullable;
      return {
        encode: (w, v) => w.bytes(v as Buffer | null, flexible),
        decode: (r) => {
          const n = r.bytesLength(flexible);
          if (n < 0) {
            if (!nullableType) throw new DecodeError('null in non-nullable bytes');
            return null;
          }
          return r.raw(n);
        },
      };
    }
    case 'array': {
      const item = compileType(t.item as Type<unknown>, version, flexible);
      const nullableType = t.nullable;
      return {
        encode: (w, v) => {
          if (v === null) {
            if (!nullableType) throw new RangeError('null for a non-nullable array');
            w.arrayLength(null, flexible);
            return;
          }
          const a = v as unknown[];
          w.arrayLength(a.length, flexible);
          for (const x of a) item.encode(w, x);
        },
        decode: (r) => {
          const n = r.arrayLength(flexible);
          if (n < 0) {
            if (!nullableType) throw new DecodeError('null in a non-nullable array');
            return null;
          }
          const a = new Array<unknown>(n);
          for (let i = 0; i < n; i++) a[i] = item.decode(r);
          return a;
        },
      };
    }
    case 'struct':
      return compileStruct(t.fields as Fields, version, flexible);
  }
}

interface CompiledField {
  name: string;
  codec: Codec;
}

interface TaggedField extends CompiledField {
  tag: number;
  field: Field<unknown>;
}

function compileStruct(fields: Fields, version: number, flexible: boolean): Codec {
  const regular: CompiledField[] = [];
  const tagged: TaggedField[] = [];
  const absent: [string, Field<unknown>][] = [];
  for (const [name, field] of Object.entries(fields)) {
    if (!inRange(field.versions, version)) {
      absent.push([name, field]);
      continue;
    }
    const codec = compileType(field.type, version, flexible);
    if (flexible && field.tag !== undefined && field.taggedVersions && inRange(field.taggedVersions, version)) {
      tagged.push({ name, codec, tag: field.tag, field });
    } else {
      regular.push({ name, codec });
    }
  }
  tagged.sort((a, b) => a.tag - b.tag);
  const byTag = new Map(tagged.map((t) => [t.tag, t]));

  const encode: Encode = (w, v) => {
    const o = v as Record<string, unknown>;
    for (const { name, codec } of regular) {
      const x = o[name];
      if (x === undefined) throw new RangeError(`missing field ${name}`);
      codec.encode(w, x);
    }
    if (!flexible) return;
    const present = tagged.filter((t) => o[t.name] !== undefined && !isDefault(o[t.name], t.field));
    w.uvarint(present.length);
    for (const t of present) {
      const inner = new Writer();
      t.codec.encode(inner, o[t.name]);
      w.uvarint(t.tag).uvarint(inner.length);
      for (const c of inner.toChunks()) w.raw(c);
    }
  };

  const decode: Decode = (r) => {
    const o: Record<string, unknown> = {};
    for (const { name, codec } of regular) o[name] = codec.decode(r);
    for (const [name, field] of absent) o[name] = defaultOf(field);
    if (!flexible) return o;
    for (const t of tagged) o[t.name] = defaultOf(t.field);
    const count = r.uvarint();
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const tag = r.uvarint();
      if (tag <= lastTag) throw new DecodeError(`tagged fields out of order: ${tag} after ${lastTag}`);
      lastTag = tag;
      const size = r.uvarint();
      const t = byTag.get(tag);
      if (t === undefined) {
        r.raw(size); // unknown tags are skipped, as the protocol requires
        continue;
      }
      const sub = new Reader(r.buf, r.offset, r.offset + size);
      if (size > r.remaining) throw new DecodeError(`tagged field ${tag} size ${size} exceeds frame`);
      o[t.name] = t.codec.decode(sub);
      r.offset += size;
    }
    return o;
  };
  return { encode, decode };
}

// Tagged fields at their default are left off the wire, as Kafka does; struct-valued ones are compared
// by value.
function isDefault(v: unknown, f: Field<unknown>): boolean {
  return sameValue(v, defaultOf(f));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length
    && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export interface MessageSpec<F extends Fields> {
  apiKey: number;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: F;
}

// One request or response body. Compiled codecs are cached per version on first use.
export class Message<T> {
  readonly apiKey: number;
  readonly name: string;
  readonly versions: VersionRange;
  readonly flexible: VersionRange;
  readonly type: Type<T>;
  private readonly codecs = new Map<number, Codec>();

  constructor(spec: MessageSpec<Fields>) {
    this.apiKey = spec.apiKey;
    this.name = spec.name;
    this.versions = range(spec.validVersions);
    this.flexible = range(spec.flexibleVersions);
    this.type = struct(spec.fields) as unknown as Type<T>;
  }

  isFlexible(version: number): boolean {
    return inRange(this.flexible, version);
  }

  private codec(version: number): Codec {
    let c = this.codecs.get(version);
    if (!c) {
      if (!inRange(this.versions, version)) throw new RangeError(`${this.name} has no version ${version}`);
      c = compileType(this.type as Type<unknown>, version, this.isFlexible(version));
      this.codecs.set(version, c);
    }
    return c;
  }

  encode(w: Writer, version: number, value: T): void {
    this.codec(version).encode(w, value);
  }

  decode(r: Reader, version: number): T {
    return this.codec(version).decode(r) as T;
  }

  // A value with every field at its default, to fill in with what a handler sets.
  zero(): T {
    return this.type.zero();
  }
}

export function message<F extends Fields>(spec: MessageSpec<F>): Message<InferFields<F>> {
  return new Message<InferFields<F>>(spec);
}
