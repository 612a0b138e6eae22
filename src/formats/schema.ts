// Declarations of the JSON formats of topic records. One declaration gives the TypeScript type
// (Infer<typeof format>), a writer (JSON bytes, through JsonWriter) and a strict parser.
//
// Why strict: anyone who can reach the broker can write to a topic, so a reader checks a record field by
// field and rebuilds it from the declared fields only. A bad record is counted and skipped by its reader
// instead of breaking a merge or reaching the page with unexpected properties; unknown fields are dropped
// (a `__proto__` field included, which stays an own property of JSON.parse's object and is never read).
//
// Why a field can be left out: most of a bank_metrics window is zero (see metrics-window.ts), and leaving
// the zeros out halves its bytes. A field declared omitEmpty is not written when its value is empty (0,
// '', [], a map without entries, a table or object whose parts are all empty) and is put back, empty, by
// the parser; `null` counts as absent for a field with a default, as `??` would have it.
//
// Parsers and writers are built once per declaration: closures for the simple schemas, generated code for
// objects (see parseFields), and the writers copy precomputed bytes (each field's `{"name":` and
// `,"name":`) rather than encode names each time.
import { encode, JsonWriter } from './json-writer.ts';

// What a parser returns for a value that does not match (null is a JSON value a format may allow).
export const INVALID: unique symbol = Symbol('invalid');
export type Parsed<T> = T | typeof INVALID;

type JsonKind = 'number' | 'string' | 'boolean' | 'null' | 'array' | 'object';

export interface Schema<T> {
  readonly kinds: readonly JsonKind[]; // the JSON types a value is written as, for union's writer
  parse(v: unknown): Parsed<T>;
  write(out: JsonWriter, v: T): void;
  empty(): T; // what a left-out field is put back as
  isEmpty(v: T): boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- scalars

export interface NumberOptions {
  min?: number;
  integer?: boolean;
  nonZero?: boolean;
}

// A finite number: NaN and the infinities cannot be written as JSON numbers (JSON.stringify writes null).
export function number(opts: NumberOptions = {}): Schema<number> {
  const min = opts.min ?? Number.NEGATIVE_INFINITY;
  const integer = opts.integer === true;
  const nonZero = opts.nonZero === true;
  return {
    kinds: ['number'],
    parse: (v) => (typeof v === 'number' && Number.isFinite(v) && v >= min && (!integer || Number.isInteger(v)) && (!nonZero || v !== 0) ? v : INVALID),
    write: (out, v) => out.number(v),
    empty: () => 0,
    isEmpty: (v) => v === 0,
  };
}

export const finite = number();
export const count = number({ min: 0 });

export interface StringOptions {
  max?: number; // length limit, in UTF-16 code units as String.length counts them
  numbers?: boolean; // a number is taken as its decimal text (Kafka offsets, which some writers write as numbers)
}

// T narrows the type only: a string of a known set (a rule name, say) that readers treat as text and map
// known values to styles, so any text within the limit parses, and an unknown value from another writer
// still displays safely.
export function string<T extends string = string>(opts: StringOptions = {}): Schema<T> {
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const numbers = opts.numbers === true;
  return {
    kinds: ['string'],
    parse: (v) => {
      if (typeof v === 'string') return v.length <= max ? (v as T) : INVALID;
      if (numbers && typeof v === 'number') return String(v) as T;
      return INVALID;
    },
    write: (out, v) => out.string(v),
    empty: () => '' as T,
    isEmpty: (v) => v === '',
  };
}

export const boolean: Schema<boolean> = {
  kinds: ['boolean'],
  parse: (v) => (typeof v === 'boolean' ? v : INVALID),
  write: (out, v) => out.bytes(v ? TRUE : FALSE),
  empty: () => false,
  isEmpty: (v) => !v,
};

// Exactly this value (a format version, say).
export function literal<const V extends string | number | boolean>(value: V): Schema<V> {
  const bytes = encode(JSON.stringify(value));
  return {
    kinds: [typeof value as JsonKind],
    parse: (v) => (v === value ? value : INVALID),
    write: (out) => out.bytes(bytes),
    empty: () => value,
    isEmpty: () => true,
  };
}

export function nullable<T>(schema: Schema<T>): Schema<T | null> {
  return {
    kinds: [...schema.kinds, 'null'],
    parse: (v) => (v === null ? null : schema.parse(v)),
    write: (out, v) => (v === null ? out.bytes(NULL) : schema.write(out, v)),
    empty: () => null,
    isEmpty: (v) => v === null,
  };
}

// One of several schemas of different JSON types: parsed by the first that accepts the value, written by
// the one for the value's type.
export function union<S extends Array<Schema<unknown>>>(...members: S): Schema<Infer<S[number]>> {
  type T = Infer<S[number]>;
  const byKind = new Map<JsonKind, Schema<unknown>>();
  for (const m of members) {
    for (const k of m.kinds) {
      if (byKind.has(k)) throw new TypeError(`union members overlap in JSON type ${k}`);
      byKind.set(k, m);
    }
  }
  const first = members[0];
  if (first === undefined) throw new TypeError('union of nothing');
  const memberOf = (v: unknown) => byKind.get(kindOf(v)) as Schema<unknown>;
  return {
    kinds: [...byKind.keys()],
    parse: (v) => {
      const m = byKind.get(kindOf(v));
      return m === undefined ? INVALID : m.parse(v);
    },
    write: (out, v) => memberOf(v).write(out, v),
    empty: () => first.empty() as T,
    isEmpty: (v) => memberOf(v).isEmpty(v),
  } as Schema<T>;
}

function kindOf(v: unknown): JsonKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonKind;
}

// ---- arrays

export interface ArrayOptions<T> {
  nonEmpty?: boolean;
  distinct?: boolean; // no item twice (compared with ===)
  sort?: (a: T, b: T) => number; // parsed arrays come out in this order
}

export function array<T>(item: Schema<T>, opts: ArrayOptions<T> = {}): Schema<T[]> {
  const nonEmpty = opts.nonEmpty === true;
  const distinct = opts.distinct === true;
  const sort = opts.sort;
  return {
    kinds: ['array'],
    parse: (v) => {
      if (!Array.isArray(v) || (nonEmpty && v.length === 0)) return INVALID;
      const out: T[] = [];
      for (const x of v as unknown[]) {
        const p = item.parse(x);
        if (p === INVALID) return INVALID;
        out.push(p);
      }
      if (distinct && new Set(out).size !== out.length) return INVALID;
      if (sort !== undefined) out.sort(sort);
      return out;
    },
    write: (out, v) => {
      out.byte(OPEN_ARRAY);
      for (let i = 0; i < v.length; i++) {
        if (i > 0) out.byte(COMMA);
        item.write(out, v[i] as T);
      }
      out.byte(CLOSE_ARRAY);
    },
    empty: () => [],
    isEmpty: (v) => v.length === 0,
  };
}

// A fixed-length array of different schemas: a Map's entries as [key, value], say.
export function tuple<S extends Array<Schema<unknown>>>(...items: S): Schema<{ -readonly [I in keyof S]: Infer<S[I]> }> {
  type T = { -readonly [I in keyof S]: Infer<S[I]> };
  return {
    kinds: ['array'],
    parse: (v) => {
      if (!Array.isArray(v) || v.length !== items.length) return INVALID;
      const out: unknown[] = [];
      for (let i = 0; i < items.length; i++) {
        const p = (items[i] as Schema<unknown>).parse(v[i]);
        if (p === INVALID) return INVALID;
        out.push(p);
      }
      return out as T;
    },
    write: (out, v) => {
      out.byte(OPEN_ARRAY);
      for (let i = 0; i < items.length; i++) {
        if (i > 0) out.byte(COMMA);
        (items[i] as Schema<unknown>).write(out, v[i]);
      }
      out.byte(CLOSE_ARRAY);
    },
    empty: () => items.map((s) => s.empty()) as T,
    isEmpty: (v) => items.every((s, i) => s.isEmpty(v[i])),
  };
}

// ---- maps

export interface KeyOptions<K extends string> {
  keys: readonly K[];
  // A key outside the set: 'reject' makes the value invalid; 'ignore' drops the entry, for a set that
  // grows with the code (a newer writer's rule is no reason to refuse its record).
  unknownKeys: 'reject' | 'ignore';
}

// An object used as a map from any key (or, with `keys`, from keys of a known set) to values of one schema.
// Entries whose value is undefined are not written, as JSON.stringify skips them.
export function map<V>(value: Schema<V>): Schema<Record<string, V>>;
export function map<V, K extends string>(value: Schema<V>, opts: KeyOptions<K>): Schema<Partial<Record<K, V>>>;
export function map<V, K extends string>(value: Schema<V>, opts?: KeyOptions<K>): Schema<Partial<Record<string, V>>> {
  const known = opts === undefined ? null : new Set<string>(opts.keys);
  const rejectUnknown = opts?.unknownKeys === 'reject';
  return {
    kinds: ['object'],
    parse: (v) => {
      if (!isObject(v)) return INVALID;
      const out: Record<string, V> = {};
      for (const k in v) {
        if (known !== null && !known.has(k)) {
          if (rejectUnknown) return INVALID;
          continue;
        }
        // Assigning it would set the map's prototype.
        if (k === '__proto__') continue;
        const p = value.parse(v[k]);
        if (p === INVALID) return INVALID;
        out[k] = p;
      }
      return out;
    },
    write: (out, v) => {
      out.byte(OPEN_OBJECT);
      let first = true;
      for (const k in v) {
        const x = v[k];
        if (x === undefined) continue;
        if (!first) out.byte(COMMA);
        first = false;
        out.key(k);
        value.write(out, x);
      }
      out.byte(CLOSE_OBJECT);
    },
    empty: () => ({}),
    isEmpty: (v) => {
      for (const k in v) if (v[k] !== undefined) return false;
      return true;
    },
  };
}

// An object with one entry for every key of a known set, in the set's order. Entries at their empty
// value are not written and are put back by the parser: a table of rule counters where most rules saw
// nothing costs only the rules that did.
export function table<V, K extends string>(value: Schema<V>, opts: KeyOptions<K>): Schema<Record<K, V>> {
  const keys = opts.keys;
  const known = new Set<string>(keys);
  const rejectUnknown = opts.unknownKeys === 'reject';
  return {
    kinds: ['object'],
    parse: (v) => {
      if (!isObject(v)) return INVALID;
      if (rejectUnknown) for (const k in v) if (!known.has(k)) return INVALID;
      const out = {} as Record<K, V>;
      for (const k of keys) {
        const raw = v[k];
        if (raw === undefined) {
          out[k] = value.empty();
          continue;
        }
        const p = value.parse(raw);
        if (p === INVALID) return INVALID;
        out[k] = p;
      }
      return out;
    },
    write: writeFields(keys.map((k) => ({ name: k, schema: value, omitEmpty: true }))),
    isEmpty: everyEmpty(keys.map((k) => ({ name: k, schema: value }))),
    empty: () => {
      const out = {} as Record<K, V>;
      for (const k of keys) out[k] = value.empty();
      return out;
    },
  };
}

// ---- objects

// How a field of an object is read and written, beyond its schema. A bare schema is a required field.
export interface Field<T> {
  readonly schema: Schema<T>;
  readonly whenAbsent: 'invalid' | 'default';
  readonly whenInvalid: 'invalid' | 'default';
  readonly omitEmpty: boolean;
  readonly make: () => T; // the default
  readonly derive: ((o: never) => T) | null;
}

function field<T>(schema: Schema<T>, spec: Partial<Field<T>>): Field<T> {
  return { schema, whenAbsent: 'invalid', whenInvalid: 'invalid', omitEmpty: false, make: () => schema.empty(), derive: null, ...spec };
}

// Left out when empty; absent, it is the schema's empty value.
export function omitEmpty<T>(schema: Schema<T>): Field<T> {
  return field(schema, { whenAbsent: 'default', omitEmpty: true });
}

// Always written; absent, it is make() (the schema's empty value unless given).
export function orDefault<T>(schema: Schema<T>, make?: () => T): Field<T> {
  return field(schema, { whenAbsent: 'default', ...(make === undefined ? {} : { make }) });
}

// Absent or invalid, it is make(): a detail a reader can do without (where an alert's record lives).
export function lenient<T>(schema: Schema<T>, make?: () => T): Field<T> {
  return field(schema, { whenAbsent: 'default', whenInvalid: 'default', ...(make === undefined ? {} : { make }) });
}

// Written as it is, but never read: the parser computes it from the object's other fields, after they
// are parsed (an average from its sum and count), so a reader cannot be handed one that disagrees with them.
export function derived<T, O>(schema: Schema<T>, compute: (o: O) => T): Field<T> {
  return field(schema, { derive: compute as (o: never) => T });
}

type Fields = Record<string, Schema<unknown> | Field<unknown>>;
type FieldType<F> = F extends Field<infer T> ? T : F extends Schema<infer T> ? T : never;
export type ObjectOf<F extends Fields> = { -readonly [K in keyof F]: FieldType<F[K]> };

interface CompiledField {
  name: string;
  schema: Schema<unknown>;
  required: boolean;
  lenient: boolean;
  acceptsNull: boolean;
  omitEmpty: boolean;
  make: () => unknown;
  derive: ((o: Record<string, unknown>) => unknown) | null;
}

// Fields are written in declaration order, and a parsed object has them in that order too.
export function object<F extends Fields>(fields: F): Schema<ObjectOf<F>> {
  type T = ObjectOf<F>;
  const compiled: CompiledField[] = Object.entries(fields).map(([name, f]) => {
    const spec = 'schema' in f ? f : field(f, {});
    return {
      name,
      schema: spec.schema,
      required: spec.whenAbsent === 'invalid',
      lenient: spec.whenInvalid === 'default',
      acceptsNull: spec.schema.kinds.includes('null'),
      omitEmpty: spec.omitEmpty,
      make: spec.make,
      derive: spec.derive as CompiledField['derive'],
    };
  });
  if (compiled.some((f) => f.name === '__proto__')) throw new TypeError('a field cannot be named __proto__');
  return {
    kinds: ['object'],
    parse: parseFields(compiled) as (v: unknown) => Parsed<T>,
    write: writeFields(compiled),
    empty: emptyFields(compiled) as () => T,
    isEmpty: everyEmpty(compiled.filter((f) => f.derive === null)),
  };
}

// The parsers, writers and emptiness tests of objects (and the writers of tables) are generated code,
// one function per declaration, made once: a closure that reads `o[name]` for every field of every
// declaration makes that read megamorphic in V8, and the bank_metrics window writer took 1.7 times as long
// as the same code written out by hand (bench/record-formats.ts). The generated code reads each field by
// its literal name, builds objects as literals (one shape each) and calls each field's own schema, so
// every site sees one shape and one callee. Only the declaration's field names reach the code, each as a
// JSON string literal, so nothing from a record ever does.
function parseFields(fields: readonly CompiledField[]): (v: unknown) => unknown {
  const constants: Record<string, unknown> = { INVALID };
  const body = ['if (typeof v !== "object" || v === null || Array.isArray(v)) return INVALID;', 'let raw;'];
  fields.forEach((f, i) => {
    if (f.derive !== null) return;
    constants[`s${i}`] = f.schema;
    constants[`m${i}`] = f.make;
    const name = JSON.stringify(f.name);
    const absent = f.acceptsNull ? 'raw === undefined' : 'raw === undefined || raw === null';
    body.push(
      `raw = v[${name}];`,
      `let x${i};`,
      `if (${absent}) ${f.required ? 'return INVALID;' : `x${i} = m${i}();`}`,
      `else if ((x${i} = s${i}.parse(raw)) === INVALID) ${f.lenient ? `x${i} = m${i}();` : 'return INVALID;'}`,
    );
  });
  return generated(['return function parse(v) {', ...body, ...built(fields, constants, (i) => `x${i}`), '};'], constants) as (v: unknown) => unknown;
}

function emptyFields(fields: readonly CompiledField[]): () => unknown {
  const constants: Record<string, unknown> = {};
  fields.forEach((f, i) => (constants[`m${i}`] = f.make));
  return generated(['return function empty() {', ...built(fields, constants, (i) => `m${i}()`), '};'], constants) as () => unknown;
}

// The statements that make the object from each field's value, then compute its derived fields.
function built(fields: readonly CompiledField[], constants: Record<string, unknown>, value: (i: number) => string): string[] {
  const literal = fields.map((f, i) => `${JSON.stringify(f.name)}: ${f.derive === null ? value(i) : 'undefined'}`);
  const derived = fields.flatMap((f, i) => {
    if (f.derive === null) return [];
    constants[`d${i}`] = f.derive;
    return [`o[${JSON.stringify(f.name)}] = d${i}(o);`];
  });
  return [`const o = { ${literal.join(', ')} };`, ...derived, 'return o;'];
}

interface WrittenField {
  name: string;
  schema: Schema<unknown>;
  omitEmpty: boolean;
}

type Writer = (out: JsonWriter, v: unknown) => void;

function writeFields(fields: readonly WrittenField[]): Writer {
  const constants: Record<string, unknown> = {};
  const body: string[] = [];
  // Whether a field is the object's first is known when writing only after fields that may be left out.
  let before = 'nothing' as 'nothing' | 'omittable' | 'written';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as WrittenField;
    const name = JSON.stringify(f.name);
    constants[`s${i}`] = f.schema;
    constants[`open${i}`] = encode(`{${name}:`);
    constants[`next${i}`] = encode(`,${name}:`);
    const prefix = { nothing: `out.bytes(open${i});`, omittable: `out.bytes(first ? open${i} : next${i});`, written: `out.bytes(next${i});` }[before];
    const write = `${prefix}${before === 'written' ? '' : ' first = false;'} s${i}.write(out, x);`;
    body.push(`x = o[${name}];`, f.omitEmpty ? `if (!s${i}.isEmpty(x)) { ${write} }` : write);
    if (!f.omitEmpty) before = 'written';
    else if (before === 'nothing') before = 'omittable';
  }
  const source = [
    'return function write(out, o) {',
    'let first = true;',
    'let x;',
    ...body,
    before === 'written' ? '' : `if (first) out.byte(${OPEN_OBJECT});`,
    `out.byte(${CLOSE_OBJECT});`,
    '};',
  ];
  return generated(source, constants) as Writer;
}

function everyEmpty(fields: ReadonlyArray<{ name: string; schema: Schema<unknown> }>): (v: unknown) => boolean {
  const constants: Record<string, unknown> = {};
  const tests = fields.map((f, i) => {
    constants[`s${i}`] = f.schema;
    return `s${i}.isEmpty(o[${JSON.stringify(f.name)}])`;
  });
  return generated([`return function isEmpty(o) { return ${tests.length === 0 ? 'true' : tests.join(' && ')}; };`], constants) as (v: unknown) => boolean;
}

// The function the source returns, in a closure over the constants (schemas, defaults, prefix bytes).
function generated(source: readonly string[], constants: Record<string, unknown>): unknown {
  const code = source.filter((line) => line !== '').join('\n');
  return new Function(...Object.keys(constants), code)(...Object.values(constants));
}

// ---- whole record values

// A record value (JSON in UTF-8) as T, or null when it is missing, not JSON or not of the format.
export function parseValue<T>(schema: Schema<T>, value: Buffer | null | undefined): T | null {
  if (value === null || value === undefined || value.length === 0) return null;
  let v: unknown;
  try {
    v = JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
  const p = schema.parse(v);
  return p === INVALID ? null : p;
}

// One value's JSON bytes, in a buffer from Buffer's pool (a record value of its own would cost an
// allocation of its own). The writer is reused: writing never calls writeValue.
export function writeValue<T>(schema: Schema<T>, v: T): Buffer {
  VALUE_WRITER.truncate(0);
  schema.write(VALUE_WRITER, v);
  return VALUE_WRITER.copy();
}

const VALUE_WRITER = new JsonWriter(4096);

// Values as one JSON array, added one at a time: a producer that must keep each send under a size limit
// asks for the bytes so far and takes back the value that went over.
export class JsonArrayWriter<T> {
  private readonly out: JsonWriter;
  private readonly item: Schema<T>;
  private items = 0;
  private lastStart = 0; // where the value added last begins (its comma included)

  constructor(item: Schema<T>, initialBytes = 16 * 1024) {
    this.item = item;
    this.out = new JsonWriter(initialBytes);
    this.out.byte(OPEN_ARRAY);
  }

  get count(): number {
    return this.items;
  }

  // Bytes of the array so far, closing bracket included.
  get byteLength(): number {
    return this.out.length + 1;
  }

  add(v: T): void {
    this.lastStart = this.out.length;
    if (this.items > 0) this.out.byte(COMMA);
    this.items++;
    this.item.write(this.out, v);
  }

  // Takes back the value added last (it would have made a send too large; it goes in the next one).
  removeLast(): void {
    this.out.truncate(this.lastStart);
    this.items--;
  }

  // The array as a buffer that owns its memory; the writer can then be filled again.
  take(): Buffer {
    const value = this.out.take(CLOSE_ARRAY);
    this.out.byte(OPEN_ARRAY);
    this.items = 0;
    return value;
  }
}

const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const NULL = encode('null');
const TRUE = encode('true');
const FALSE = encode('false');
