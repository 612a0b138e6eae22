import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyQuality } from '../../src/processor/quality.ts';
import { parseAlert, parseWindow } from '../../src/dashboard/records.ts';
import { T0, makeTestAlert, makeWindow } from './helpers.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

test('a window as the processor publishes it parses back to the same aggregate', () => {
  const q = emptyQuality();
  q.labeled = 1;
  q.byRule.velocity.fp = 1;
  const w = makeWindow(2, T0, [{ type: 'withdraw', cents: 250, alerts: [['velocity', 'MEDIUM']], quality: q }, { type: 'deposit', cents: 1_000 }], ['bad_json']);
  assert.deepEqual(parseWindow(json(w)), w);
});

test('malformed windows are rejected rather than merged', () => {
  const good = makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]);
  const bad: unknown[] = [
    'not json',
    null,
    [],
    { ...good, partitions: [] },
    { ...good, partitions: [0, 0] },
    { ...good, partitions: [-1] },
    { ...good, windowMs: 0 },
    { ...good, windowStartMs: 'soon' },
    { ...good, records: -1 },
    { ...good, byType: { teleport: { count: 1, sumCents: 1, minCents: 1, maxCents: 1 } } },
    { ...good, byType: { deposit: { count: 0, sumCents: 1, minCents: 1, maxCents: 1 } } },
    { ...good, alertsBySeverity: { HIGH: 'many' } },
    { ...good, quality: { labeled: 1 } },
  ];
  for (const v of bad) assert.equal(parseWindow(typeof v === 'string' ? Buffer.from(v) : json(v)), null, JSON.stringify(v));
  assert.equal(parseWindow(null), null);
  assert.equal(parseWindow(Buffer.alloc(0)), null);
});

test('unknown fields of a window are dropped', () => {
  const w = makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]);
  const raw = JSON.stringify(w).replace(/^\{/, '{"__proto__":{"polluted":true},"extra":"<script>",');
  const parsed = parseWindow(Buffer.from(raw));
  assert.ok(parsed);
  assert.equal('extra' in parsed, false);
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal((parsed as unknown as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(parsed, w);
});

test('alerts parse back as published, and bad alerts are rejected', () => {
  const a = makeTestAlert(7, { account_id: '<img src=x onerror=alert(1)>' });
  assert.deepEqual(parseAlert(json(a)), a);
  const bad: unknown[] = [
    { ...a, id: 5 },
    { ...a, explanation: undefined },
    { ...a, observed: { nested: { x: 1 } } },
    { ...a, threshold: { amount: 'high' } },
    { ...a, account_id: 'x'.repeat(5000) },
  ];
  for (const v of bad) assert.equal(parseAlert(json(v)), null, JSON.stringify(v).slice(0, 80));
  assert.equal(parseAlert(Buffer.from('{')), null);
});
