import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  array,
  boolean,
  count,
  derived,
  finite,
  INVALID,
  JsonArrayWriter,
  lenient,
  literal,
  map,
  nullable,
  number,
  object,
  omitEmpty,
  orDefault,
  parseValue,
  string,
  table,
  tuple,
  union,
  writeValue,
  type Infer,
  type Schema,
} from '../../src/formats/schema.ts';

const written = <T>(schema: Schema<T>, v: T) => writeValue(schema, v).toString('latin1');
const parsed = <T>(schema: Schema<T>, json: string) => parseValue(schema, Buffer.from(json));

test('numbers: finite, with a minimum, integer or non-zero as declared; written as JSON.stringify writes them', () => {
  const partition = number({ min: 0, integer: true });
  assert.equal(finite.parse(-1.5), -1.5);
  for (const v of [Number.NaN, Number.POSITIVE_INFINITY, '1', null, undefined]) assert.equal(finite.parse(v), INVALID, String(v));
  assert.equal(count.parse(-1), INVALID);
  assert.equal(partition.parse(1.5), INVALID);
  assert.equal(partition.parse(7), 7);
  assert.equal(number({ nonZero: true }).parse(0), INVALID);
  for (const n of [0, -0, 1, -1, 123_456_789, 1e9, 2 ** 53 - 1, 2 ** 53, 1e21, 0.1, -2.5e-7]) assert.equal(written(finite, n), JSON.stringify(n));
  assert.equal(written(finite, Number.NaN), 'null');
});

test('strings: length limits, numbers as text where declared, and ASCII output', () => {
  const short = string({ max: 3 });
  assert.equal(short.parse('abc'), 'abc');
  assert.equal(short.parse('abcd'), INVALID);
  assert.equal(short.parse(1), INVALID);
  assert.equal(string({ numbers: true }).parse(12), '12');
  for (const s of ['plain', 'with "quotes"\n', 'ünï — ☃', '\u0000\u001f', '\ud800']) {
    const out = written(string(), s);
    assert.match(out, /^[\x20-\x7e]*$/);
    assert.equal(JSON.parse(out), s);
  }
});

test('literals, booleans, nullables and unions', () => {
  const version = literal(2);
  assert.equal(version.parse(2), 2);
  assert.equal(version.parse(1), INVALID);
  assert.equal(written(version, 2), '2');
  assert.equal(boolean.parse(false), false);
  assert.equal(boolean.parse(0), INVALID);
  const maybe = nullable(count);
  assert.equal(maybe.parse(null), null);
  assert.equal(maybe.parse(-1), INVALID);
  assert.equal(written(maybe, null), 'null');
  const scalar = union(finite, string({ max: 2 }), nullable(boolean));
  assert.deepEqual([1, 'ab', true, null].map((v) => scalar.parse(v)), [1, 'ab', true, null]);
  assert.deepEqual(['abc', {}, []].map((v) => scalar.parse(v)), [INVALID, INVALID, INVALID]);
  assert.equal(written(array(scalar), [1, 'ab', false, null]), '[1,"ab",false,null]');
  assert.throws(() => union(finite, count), /overlap in JSON type number/);
});

test('arrays: non-empty, distinct and sorted as declared', () => {
  const set = array(number({ integer: true }), { nonEmpty: true, distinct: true, sort: (a, b) => a - b });
  assert.deepEqual(set.parse([3, 1, 2]), [1, 2, 3]);
  assert.equal(set.parse([]), INVALID);
  assert.equal(set.parse([1, 1]), INVALID);
  assert.equal(set.parse([1, 'x']), INVALID);
  assert.equal(set.parse({ 0: 1 }), INVALID);
  assert.deepEqual(array(count).parse([]), []);
  assert.equal(written(array(count), []), '[]');
});

test('maps: any key or keys of a known set, unknown ones rejected or ignored', () => {
  const counts = map(count);
  assert.deepEqual(counts.parse({ a: 1, 'odd "key"': 2 }), { a: 1, 'odd "key"': 2 });
  assert.equal(counts.parse({ a: -1 }), INVALID);
  assert.equal(counts.parse([1]), INVALID);
  const own = counts.parse(JSON.parse('{"__proto__":{"x":1},"a":1}')) as Record<string, number>;
  assert.deepEqual(own, { a: 1 });
  assert.equal(Object.getPrototypeOf(own), Object.prototype);
  const strict = map(count, { keys: ['a', 'b'], unknownKeys: 'reject' });
  const loose = map(count, { keys: ['a', 'b'], unknownKeys: 'ignore' });
  assert.equal(strict.parse({ a: 1, c: 2 }), INVALID);
  assert.deepEqual(loose.parse({ a: 1, c: 2 }), { a: 1 });
  assert.equal(written(strict, { a: 1, b: undefined }), '{"a":1}');
  assert.equal(written(counts, { 'ü': 1 }), '{"\\u00fc":1}');
});

test('tables: every key of the set, the empty entries left out and put back', () => {
  const pair = object({ x: count, y: count });
  const byKey = table(pair, { keys: ['first', 'second', 'third'], unknownKeys: 'ignore' });
  const value = { first: { x: 0, y: 0 }, second: { x: 1, y: 0 }, third: { x: 0, y: 0 } };
  assert.equal(written(byKey, value), '{"second":{"x":1,"y":0}}');
  assert.deepEqual(parsed(byKey, '{"second":{"x":1,"y":0},"fourth":{"x":9}}'), value);
  assert.equal(parsed(byKey, '{"second":{"x":1}}'), null, 'a present entry is checked whole');
  assert.equal(written(byKey, byKey.empty()), '{}');
  assert.ok(byKey.isEmpty(byKey.empty()));
  assert.equal(table(pair, { keys: ['a'], unknownKeys: 'reject' }).parse({ b: { x: 1, y: 1 } }), INVALID);
});

test('objects: declared fields only, in declaration order, with defaults, omissions, leniency and derived fields', () => {
  const item = object({
    name: string({ max: 10 }),
    tags: orDefault(array(string()), () => ['none']),
    size: omitEmpty(count),
    weight: lenient(finite, () => -1),
    'odd-"name"': omitEmpty(count),
    double: derived(finite, (o: { size: number }) => o.size * 2),
  });
  type Item = Infer<typeof item>;
  const full: Item = { name: 'a', tags: ['x'], size: 2, weight: 1.5, 'odd-"name"': 3, double: 4 };
  assert.equal(written(item, full), JSON.stringify(full));
  assert.deepEqual(Object.keys(parsed(item, JSON.stringify(full)) ?? {}), Object.keys(full));
  assert.equal(written(item, { ...full, size: 0, 'odd-"name"': 0 }), '{"name":"a","tags":["x"],"weight":1.5,"double":4}');
  assert.deepEqual(parsed(item, '{"name":"a","weight":"heavy","double":99}'), { name: 'a', tags: ['none'], size: 0, weight: -1, 'odd-"name"': 0, double: 0 });
  assert.equal(parsed(item, '{"tags":[]}'), null, 'name is required');
  assert.equal(parsed(item, '{"name":"a","size":-1}'), null, 'a present field is checked');
  // Every field omittable: the object opens with whichever is written first.
  const sparse = object({ a: omitEmpty(count), b: omitEmpty(count), c: omitEmpty(count) });
  assert.deepEqual([{ a: 0, b: 0, c: 0 }, { a: 0, b: 2, c: 3 }, { a: 1, b: 0, c: 0 }].map((v) => written(sparse, v)), ['{}', '{"b":2,"c":3}', '{"a":1}']);
  assert.equal(written(object({}), {}), '{}');
  assert.deepEqual(object({}).parse({ a: 1 }), {});
  assert.throws(() => object({ ['__proto__']: count }), /cannot be named __proto__/);
});

test('a processor snapshot could be declared: versions, Map entries as tuples, nullable and nested parts', () => {
  const account = object({ lastEventMs: finite, balanceCents: nullable(finite), recent: array(finite) });
  const snapshot = object({
    version: literal(1),
    nextOffset: string({ max: 20 }),
    watermarkMs: nullable(finite),
    accounts: array(tuple(string({ max: 1000 }), account)),
    held: orDefault(nullable(object({ records: count, dlqByReason: map(count) })), () => null),
  });
  const s: Infer<typeof snapshot> = { version: 1, nextOffset: '42', watermarkMs: null, accounts: [['ACC-1', { lastEventMs: 5, balanceCents: null, recent: [1, 2] }]], held: null };
  const bytes = writeValue(snapshot, s);
  assert.equal(bytes.toString(), JSON.stringify(s));
  assert.deepEqual(parseValue(snapshot, bytes), s);
  assert.equal(new Map(parseValue(snapshot, bytes)?.accounts).get('ACC-1')?.lastEventMs, 5);
  const { held: _held, ...older } = s;
  assert.deepEqual(parsed(snapshot, JSON.stringify(older)), s, 'held is absent from older snapshots');
  assert.equal(parsed(snapshot, JSON.stringify({ ...s, version: 2 })), null);
  assert.equal(parsed(snapshot, JSON.stringify({ ...s, accounts: [['ACC-1']] })), null);
});

test('whole values: missing, empty or broken JSON is no value; a JSON array writer grows as needed', () => {
  assert.equal(parseValue(count, null), null);
  assert.equal(parseValue(count, undefined), null);
  assert.equal(parseValue(count, Buffer.alloc(0)), null);
  assert.equal(parseValue(count, Buffer.from('{')), null);
  assert.equal(parseValue(count, Buffer.from('7')), 7);
  const big = object({ text: string() });
  const values = Array.from({ length: 50 }, (_, i) => ({ text: 'x'.repeat(i * 10) }));
  const out = new JsonArrayWriter(big, 64);
  for (const v of values) out.add(v);
  const taken = out.take();
  assert.equal(taken.length, JSON.stringify(values).length);
  assert.deepEqual(JSON.parse(taken.toString()), values);
});
