import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { parseAlert } from '../../src/formats/alert.ts';
import { parseWindows } from '../../src/formats/metrics-window.ts';
import { DEFAULT_CONFIG } from '../../src/processor/config.ts';
import { PartitionProcessor } from '../../src/processor/partition-processor.ts';
import { alertRecord, deadLetterByReference, dlqRecord, fitDeadLetter, formatAlertLine, LocalSinks, metricsRecord, OUTPUT_HEADERS, outputRecordBytes, routePartition } from '../../src/processor/sinks.ts';
import { WindowArray } from '../../src/formats/metrics-window.ts';
import { record, T0 } from './helpers.ts';

function overdraft() {
  const p = new PartitionProcessor(4, DEFAULT_CONFIG);
  const r = p.process(record(9, { transaction_id: 'T-9', timestamp: new Date(T0).toISOString(), account_id: 'ACC-7', transaction_type: 'withdraw', amount: 80, balance: -30 }, { partition: 4 }));
  const alert = r.notifications.find((a) => a.rule === 'overdraft');
  assert.ok(alert);
  return { alert, windows: p.flush() };
}

test('routePartition keeps a source partition in one output partition', () => {
  assert.equal(routePartition(4, 6), 4);
  assert.equal(routePartition(7, 6), 1);
  assert.equal(routePartition(0, 1), 0);
  assert.throws(() => routePartition(1, 0), RangeError);
});

test('output records carry the group and source partition and offset; alerts their id; DLQ the original bytes', () => {
  const { alert, windows } = overdraft();
  const a = alertRecord(alert, 'g1', 'notification');
  assert.equal(a.kind, 'notification');
  assert.equal(a.key?.toString(), 'ACC-7');
  assert.deepEqual(parseAlert(a.value), alert);
  assert.deepEqual(a.headers, { [OUTPUT_HEADERS.group]: 'g1', [OUTPUT_HEADERS.sourcePartition]: '4', [OUTPUT_HEADERS.sourceOffset]: '9', [OUTPUT_HEADERS.alertId]: 'T-9:overdraft' });

  const bad = new PartitionProcessor(2, DEFAULT_CONFIG).process(record(5, '{"x":', { partition: 2 })).dlq;
  assert.ok(bad);
  const d = dlqRecord(bad, 2, 'g1');
  assert.equal(String(d.value), '{"x":');
  assert.equal(d.headers['dlq-reason'], 'bad_json');
  assert.equal(d.headers['dlq-offset'], '5');
  assert.equal(d.headers[OUTPUT_HEADERS.group], 'g1');

  const m = metricsRecord(WindowArray.of(windows), 4, 'g1');
  assert.equal(m.key?.toString(), '4');
  assert.equal(m.windows, windows.length);
  assert.deepEqual(parseWindows(m.value), windows);
});

test('local sinks: alert lines on the console and in the log, dead letters logged with their reason', () => {
  const { alert } = overdraft();
  const logged: Array<Record<string, unknown>> = [];
  const lines: string[] = [];
  const sinks = new LocalSinks({ logger: pino({ level: 'info' }, { write: (s: string) => logged.push(JSON.parse(s)) }), console: (l) => lines.push(l) });
  const bad = new PartitionProcessor(0, DEFAULT_CONFIG).process(record(1, '', { partition: 0 })).dlq;
  assert.ok(bad);
  sinks.acknowledged([alertRecord(alert, 'g', 'notification'), dlqRecord(bad, 0, 'g')]);
  assert.deepEqual(lines, [formatAlertLine(alert)]);
  assert.match(lines[0] ?? '', /^ALERT 2025-01-15T09:00:00\.000Z CRITICAL +overdraft +ACC-7 .+ \[T-9:overdraft\]$/);
  // A fraud alert's line also gives its transaction's risk score; a notification's has none.
  assert.match(formatAlertLine({ ...alert, rule: 'velocity', risk_score: 0.55 }), / \(risk 0\.55\) \[T-9:overdraft\]$/);
  assert.doesNotMatch(lines[0] ?? '', /risk/);
  assert.equal(logged[0]?.event, 'notification');
  assert.equal((logged[0]?.alert as { id: string }).id, 'T-9:overdraft');
  assert.equal(logged[1]?.event, 'dlq');
  assert.equal(logged[1]?.msg, 'dead letter: empty');
});

test('fitDeadLetter keeps a dead letter that fits, cuts one that does not to the first bytes that fit, and says so', () => {
  const letter = (bytes: number) => dlqRecord({ key: Buffer.from('acct'), value: Buffer.alloc(bytes, 0x61), headers: { 'dlq-reason': 'oversize', 'dlq-offset': '7' } }, 2, 'g');
  const fits = letter(1000);
  assert.equal(fitDeadLetter(fits, 4096), fits);

  const cut = fitDeadLetter(letter(1_000_000), 4096);
  assert.equal(outputRecordBytes(cut), 4096);
  assert.equal(cut.headers['dlq-original-size'], '1000000');
  assert.equal(cut.headers['dlq-value-stored'], 'truncated');
  assert.equal(cut.headers['dlq-reason'], 'oversize');
  assert.ok(cut.value !== null && cut.value.length > 3500 && cut.value.every((b) => b === 0x61));
  assert.equal(cut.key?.toString(), 'acct');

  // Not even the headers leave room: no value, a reference to the original.
  const ref = fitDeadLetter(letter(1_000_000), 100);
  assert.equal(ref.value?.length, 0);
  assert.equal(ref.headers['dlq-value-stored'], 'reference');
  assert.equal(ref.headers['dlq-original-size'], '1000000');
  // By reference after a truncation: the original's size stays the original's.
  assert.equal(deadLetterByReference(cut).headers['dlq-original-size'], '1000000');
});
