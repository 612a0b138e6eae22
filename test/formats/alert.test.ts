import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import { test } from 'node:test';
import { alertJson, parseAlert, type Alert } from '../../src/formats/alert.ts';
import { makeTestAlert } from '../dashboard/helpers.ts';
import { OLD_ALERT } from './fixtures/old-records.ts';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

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

// A fraud alert, with its transaction's risk score.
const fraudAlert = (i: number): Alert => makeTestAlert(i, { rule: 'velocity', severity: 'MEDIUM', risk_score: 0.55 });

test('the alert writer writes what JSON.stringify writes, leaving out a risk score of 0, in ASCII, and it parses back', () => {
  for (const a of [makeTestAlert(1), makeTestAlert(2, { observed: {}, threshold: {} }), fraudAlert(5), OLD_ALERT]) {
    const bytes = alertJson(a);
    assert.ok(isAscii(bytes), 'non-ASCII escaped');
    const stringified = JSON.stringify(a.risk_score === 0 ? { ...a, risk_score: undefined } : a);
    assert.equal(bytes.toString('latin1').replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), stringified);
    assert.deepEqual(parseAlert(bytes), a);
  }
  assert.ok(alertJson(fraudAlert(3)).equals(json(fraudAlert(3))), 'an ASCII alert is byte for byte what JSON.stringify wrote');
  assert.ok(!alertJson(makeTestAlert(3)).includes('risk_score'), 'a notification has no risk score');
  assert.equal(parseAlert(json({ ...fraudAlert(4), risk_score: -1 })), null, 'a risk score is not negative');
});

test('an alert written by the code before src/formats parses', () => {
  const old = fs.readFileSync(new URL('./fixtures/bank-alerts-high.json', import.meta.url));
  assert.deepEqual(parseAlert(old), OLD_ALERT);
});

test('rule, severity and type are text from any producer; where the record lives is optional', () => {
  const a: Record<string, unknown> = { ...makeTestAlert(4), rule: 'next_rule', severity: 'SEVERE', transaction_type: 'refund' };
  assert.deepEqual(parseAlert(json(a)), a);
  assert.equal(parseAlert(json({ ...a, rule: 'r'.repeat(101) })), null, 'but within a length limit');
  const { source: _source, observed: _observed, threshold: _threshold, ...bare } = a;
  assert.deepEqual(parseAlert(json(bare)), { ...a, observed: {}, threshold: {}, source: { partition: -1, offset: '' } });
  const odd = (source: unknown) => parseAlert(json({ ...a, source }))?.source;
  assert.deepEqual(odd('p2'), { partition: -1, offset: '' });
  assert.deepEqual(odd({ partition: 1.5, offset: 77 }), { partition: -1, offset: '77' });
  assert.deepEqual(odd({ partition: 3, offset: { n: 1 } }), { partition: 3, offset: '' });
  const raw = JSON.stringify(a).replace(/^\{/, '{"__proto__":{"polluted":true},"extra":"<script>",');
  const parsed = parseAlert(Buffer.from(raw)) as Alert & { extra?: string; polluted?: boolean };
  assert.deepEqual(parsed, a);
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal(parsed.polluted, undefined);
});
