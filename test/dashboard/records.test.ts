import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyQuality } from '../../src/processor/quality.ts';
import { parseAlert, parseWindows } from '../../src/dashboard/records.ts';
import { WindowArray } from '../../src/processor/window-json.ts';
import { T0, makeTestAlert, makeWindow } from './helpers.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const metricsValue = (...windows: unknown[]) => Buffer.from(`[${windows.map((w) => JSON.stringify(w)).join(',')}]`);

test('windows as the processor publishes them parse back to the same aggregates', () => {
  const q = emptyQuality();
  q.labeled = 1;
  q.byRule.velocity.fp = 1;
  const w = makeWindow(2, T0, [{ type: 'withdraw', cents: 250, alerts: [['velocity', 'MEDIUM']], quality: q }, { type: 'deposit', cents: 1_000 }], ['bad_json']);
  const plain = makeWindow(2, T0 + 1000, [{ type: 'deposit', cents: 7 }]);
  const dlqOnly = makeWindow(2, T0 + 2000, [], ['empty', 'empty']);
  assert.deepEqual(parseWindows(WindowArray.of([w, plain, dlqOnly]).take()), [w, plain, dlqOnly]);
  assert.deepEqual(parseWindows(metricsValue(w)), [w], 'all fields written out parse the same');
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
    { ...good, quality: { labeled: 1, positives: -1 } },
    { ...good, quality: { labeled: 1, byRule: 7 } },
    { ...good, quality: { labeled: 'one' } },
  ];
  for (const v of bad) assert.equal(parseWindows(typeof v === 'string' ? Buffer.from(`[${v}]`) : metricsValue(v)), null, JSON.stringify(v));
  assert.equal(parseWindows(json(good)), null, 'a window outside an array');
  assert.equal(parseWindows(json([])), null, 'no windows');
  assert.equal(parseWindows(metricsValue(good, { ...good, records: -1 })), null, 'one bad window spoils the record');
  assert.equal(parseWindows(null), null);
  assert.equal(parseWindows(Buffer.alloc(0)), null);
});

test('unknown fields of a window are dropped', () => {
  const w = makeWindow(0, T0, [{ type: 'deposit', cents: 1 }]);
  const raw = JSON.stringify(w).replace(/^\{/, '{"__proto__":{"polluted":true},"extra":"<script>",');
  const [parsed] = parseWindows(Buffer.from(`[${raw}]`)) ?? [];
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
