import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiVersionsResponse } from '../../src/protocol/messages/18-api-versions.ts';
import { DecodeError, Reader } from '../../src/protocol/reader.ts';
import { array, f, int32, message, nullable, string, struct } from '../../src/protocol/schema.ts';
import { Writer } from '../../src/protocol/writer.ts';

test('ApiVersions response round-trips in every version, tagged fields only where flexible', () => {
  for (let v = 0; v <= 3; v++) {
    const value = ApiVersionsResponse.zero();
    value.apiKeys = [{ apiKey: 0, minVersion: 3, maxVersion: 11 }];
    value.throttleTimeMs = v >= 1 ? 5 : 0;
    if (v >= 3) value.finalizedFeaturesEpoch = 7;
    const w = new Writer();
    ApiVersionsResponse.encode(w, v, value);
    const r = new Reader(w.toBuffer());
    assert.deepEqual(ApiVersionsResponse.decode(r, v), value);
    assert.equal(r.remaining, 0);
  }
});

test('unknown tagged fields are skipped, absent fields take defaults', () => {
  const M = message({
    apiKey: 999, name: 'X', validVersions: '0-2', flexibleVersions: '2+',
    fields: {
      a: f(int32, '0+'),
      b: f(nullable(string), '1+', { default: null }),
      items: f(array(struct({ x: f(int32, '0+') })), '0+'),
      t: f(int32, '2+', { tag: 5, default: -1 }),
    },
  });
  const w = new Writer();
  // v2 by hand: a, b (compact), items (compact), tagged section with an unknown tag 3 and tag 5.
  w.int32(1).string('hi', true).uvarint(2).int32(9).uvarint(0).uvarint(2).uvarint(3).uvarint(2).int16(0).uvarint(5).uvarint(4).int32(42);
  assert.deepEqual(M.decode(new Reader(w.toBuffer()), 2), { a: 1, b: 'hi', items: [{ x: 9 }], t: 42 });
  const w0 = new Writer();
  w0.int32(1).int32(0);
  assert.deepEqual(M.decode(new Reader(w0.toBuffer()), 0), { a: 1, b: null, items: [], t: -1 });
});

test('array lengths larger than the bytes left are rejected before allocating', () => {
  const M = message({ apiKey: 999, name: 'X', validVersions: '0', flexibleVersions: 'none', fields: { items: f(array(int32), '0+') } });
  const w = new Writer();
  w.int32(0x7fffffff);
  assert.throws(() => M.decode(new Reader(w.toBuffer()), 0), DecodeError);
});
