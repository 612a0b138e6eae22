import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/processor/config.ts';
import { PartitionProcessor, type InputRecord } from '../../src/processor/partition-processor.ts';
import { record, T0, type MessageFields } from './helpers.ts';

const at = (sec: number) => new Date(T0 + sec * 1000).toISOString();
const full = (id: string, sec: number, account: string, type: string, amount: number, balance: number): MessageFields => ({
  transaction_id: id,
  timestamp: at(sec),
  account_id: account,
  customer_id: `C-${account}`,
  account_type: 'checking',
  transaction_type: type,
  amount,
  balance,
  currency: 'EUR',
  channel: 'card',
});

// Hand-built and commented so that each expected id can be checked by reading: default thresholds
// (low balance 100.00, overdraft 0, robust z 4 on ln(amount) with MAD floor 0.3 after 5 amounts of the
// kind and at least 200.00, 5 withdrawals in 60 s, outflow 70% of the starting balance within 1 h and at
// least 500.00, rapid in-out only for money from other people (these deposits name nobody), drain 90% of
// at least 100.00, duplicate window 10 min).
const GOLDEN: Array<MessageFields | string> = [
  full('G-00', 0, 'ACC-1', 'deposit', 1000, 1000), //                 0: first balance 1000.00, fine
  full('G-01', 120, 'ACC-1', 'withdraw', 20, 980), //                  1-5: a history of 20.00 withdrawals,
  full('G-02', 240, 'ACC-1', 'withdraw', 20, 960), //                       two minutes apart (no burst)
  full('G-03', 360, 'ACC-1', 'withdraw', 20, 940),
  full('G-04', 480, 'ACC-1', 'withdraw', 20, 920),
  full('G-05', 600, 'ACC-1', 'withdraw', 20, 900),
  full('V-1', 610, 'ACC-2', 'deposit', 500, 500), //                  6
  full('V-2', 620, 'ACC-2', 'withdraw', 5, 495), //                   7-11: five withdrawals in 40 s
  full('V-3', 630, 'ACC-2', 'withdraw', 5, 490),
  full('V-4', 640, 'ACC-2', 'withdraw', 5, 485),
  full('V-5', 650, 'ACC-2', 'withdraw', 5, 480),
  full('V-6', 660, 'ACC-2', 'withdraw', 5, 475), //                   -> V-6:velocity
  full('G-06', 700, 'ACC-1', 'withdraw', 850, 50), //                 12: 900.00 -> 50.00: low_balance,
  //     ln(850/20) / (1.4826 x 0.3) = 8.4 amount_outlier, 950.00 of 1,000.00 out within 700 s: outflow,
  //     94% drain
  '{"account_id": "ACC-1", "amount": 5', //                           13: DLQ
  full('G-07', 720, 'ACC-1', 'withdraw', 80, -30), //                 14: overdrawn -> G-07:overdraft
  full('G-07', 720, 'ACC-1', 'withdraw', 80, -30), //                 15: producer retry -> G-07:duplicate
  { account_id: 'ACC-3', transaction_type: 'low_balance', amount: 42.5 }, // 16: seed alert -> 0-16:low_balance
  { account_id: 'ACC-4', transaction_type: 'current_balance', amount: 300 }, // 17: seed style, balance 300.00
  { account_id: 'ACC-4', transaction_type: 'withdraw', amount: 290 }, //  18: -> 10.00: 0-18:low_balance, 0-18:drain
  full('V-7', 670, 'ACC-2', 'withdraw', 5, 470), //                   19: burst counter was reset, no alert
  { account_id: 'ACC-5', transaction_type: 'refund', amount: 10 }, // 20: DLQ unknown type
];

test('golden: a fixed sequence yields a fixed list of alert and notification ids', () => {
  const p = new PartitionProcessor(0, DEFAULT_CONFIG);
  const results = GOLDEN.map((m, offset) => p.process(record(offset, m)));
  assert.deepEqual(
    results.flatMap((r) => r.alerts.map((a) => a.id)),
    ['V-6:velocity', 'G-06:amount_outlier', 'G-06:outflow', 'G-06:drain', 'G-07:duplicate', '0-18:drain'],
  );
  // Customer notifications, apart from the fraud alerts.
  assert.deepEqual(
    results.flatMap((r) => r.notifications.map((a) => a.id)),
    ['G-06:low_balance', 'G-07:overdraft', '0-16:low_balance', '0-18:low_balance'],
  );
  assert.deepEqual(results.flatMap((r, offset) => (r.dlq ? [offset] : [])), [13, 20]);
  assert.deepEqual(
    results.flatMap((r) => r.alerts.map((a) => `${a.rule}:${a.severity}`)),
    ['velocity:MEDIUM', 'amount_outlier:LOW', 'outflow:LOW', 'drain:LOW', 'duplicate:LOW', 'drain:LOW'],
  );
  assert.deepEqual([p.stats().alerts, p.stats().notifications], [6, 4]);
  // Cases: V-6's velocity (0.55) opens ACC-2's; G-06's three noisy rules together (noisy-OR 1 - 0.85 x 0.85 x 0.9)
  // stay a candidate, as ordinary large payments do; the duplicate (weight 0) adds nothing; 0-18's drain (0.1)
  // alone stays a candidate.
  assert.deepEqual(
    results.flatMap((r) => r.cases.map((c) => `${c.case_id}@${c.version} ${c.severity} ${c.score} ${c.rules.join('+')} ${c.amount_at_risk_cents}`)),
    ['case:ACC-2:V-6@1 MEDIUM 0.55 velocity 500'],
  );
  // Each alert carries its transaction's risk score: G-06's three noisy rules give 1 - 0.85 x 0.85 x 0.9;
  // the duplicate alone (weight 0) none.
  assert.deepEqual(results[12]?.alerts.map((a) => a.risk_score), [0.3498, 0.3498, 0.3498]);
  assert.deepEqual(results.flatMap((r) => r.alerts.filter((a) => a.rule === 'duplicate').map((a) => a.risk_score)), [0]);
  assert.deepEqual(results.flatMap((r) => r.notifications.map((a) => a.risk_score)), [0, 0, 0, 0]);
});

test('a bad record goes to the DLQ with reason and origin, and processing goes on', () => {
  const p = new PartitionProcessor(2, DEFAULT_CONFIG);
  const bad = record(7, '{"account_id": "A"', { partition: 2, timestampMs: T0 + 123 });
  const r = p.process({ ...bad, key: Buffer.from('A') });
  assert.deepEqual(r.alerts, []);
  assert.ok(r.dlq);
  assert.deepEqual(r.dlq.key, Buffer.from('A'));
  assert.deepEqual(r.dlq.value, bad.value);
  const { 'dlq-message': message, ...headers } = r.dlq.headers;
  assert.deepEqual(headers, { 'dlq-reason': 'bad_json', 'dlq-topic': 'bank_alerts', 'dlq-partition': '2', 'dlq-offset': '7', 'dlq-timestamp': String(T0 + 123) });
  assert.ok(message && message.length > 0);

  const ok = p.process(record(8, { account_id: 'A', transaction_type: 'low_balance', amount: 3 }, { partition: 2 }));
  assert.equal(ok.dlq, null);
  assert.deepEqual(ok.notifications.map((a) => a.id), ['2-8:low_balance']);
  const s = p.stats();
  assert.deepEqual([s.processed, s.valid, s.dlq, s.dlqByReason], [2, 1, 1, { bad_json: 1 }]);
  assert.equal(p.nextOffset, 9n);
});

test('records below nextOffset are skipped; records of another partition are refused', () => {
  const p = new PartitionProcessor(0, DEFAULT_CONFIG);
  p.process(record(5, { account_id: 'A', transaction_type: 'deposit', amount: 1 }));
  const again = p.process(record(5, { account_id: 'A', transaction_type: 'low_balance', amount: 1 }));
  assert.deepEqual(again, { skipped: true, tx: null, alerts: [], notifications: [], cases: [], dlq: null, metrics: [], detection: null });
  assert.equal(p.stats().skipped, 1);
  assert.throws(() => p.process(record(6, null, { partition: 1 })), /partition 1 given to the processor of partition 0/);
});

test('metrics windows close with event time and carry the partition and quality counters', () => {
  const p = new PartitionProcessor(3, DEFAULT_CONFIG);
  const msg = { account_id: 'A', transaction_type: 'deposit', amount: 2.5 };
  assert.deepEqual(p.process(record(0, msg, { partition: 3, timestampMs: T0 + 100, label: 'normal' })).metrics, []);
  p.process(record(1, msg, { partition: 3, timestampMs: T0 + 200, label: 'card_testing' }));
  const closing = p.process(record(2, msg, { partition: 3, timestampMs: T0 + 6_000 }));
  assert.equal(closing.metrics.length, 1);
  const [w] = closing.metrics;
  assert.ok(w);
  assert.deepEqual([w.partitions, w.windowStartMs, w.records, w.byType.deposit?.sumCents], [[3], T0, 2, 500]);
  assert.deepEqual([w.quality.labeled, w.quality.positives, w.quality.episodes], [2, 1, 1]);
  assert.deepEqual(p.idleWindows().map((x) => x.windowStartMs), [T0 + 6_000]);
  assert.deepEqual(p.idleWindows(), [], 'shown once until it changes');
  assert.deepEqual(p.flush().map((x) => [x.windowStartMs, x.records]), [[T0 + 6_000, 1]], 'shown, not closed');
});

// A timer is not part of the record stream: if it decided where later records count, a restart that
// replays the same records without it would send windows of the same key with other records in them.
test('an idle partition shows its windows without closing them: every later version of a window is a superset', () => {
  const p = new PartitionProcessor(0, DEFAULT_CONFIG);
  const msg = (i: number, sec: number) => full(`S-${i}`, sec, 'ACC-1', 'deposit', 1, 1 + i);
  p.process(record(0, msg(0, 0)));
  p.process(record(1, msg(1, 0.1)));
  assert.deepEqual(p.idleWindows().map((w) => [w.windowStartMs, w.records]), [[T0, 2]]);
  // A record of that same second after the pause still counts in it, not late elsewhere.
  p.process(record(2, msg(2, 0.3)));
  assert.deepEqual(p.idleWindows().map((w) => [w.windowStartMs, w.records, w.late]), [[T0, 3, 0]]);
  const closed = p.process(record(3, msg(3, 10))).metrics;
  assert.deepEqual(closed.map((w) => [w.windowStartMs, w.records, w.late]), [[T0, 3, 0]]);
  // Held dead letters are shown too, and keep their key until the first valid record releases them.
  const bad = new PartitionProcessor(1, DEFAULT_CONFIG);
  bad.process(record(0, '{"oops"', { partition: 1, timestampMs: T0 }));
  assert.deepEqual(bad.idleWindows().map((w) => [w.windowStartMs, w.dlq]), [[T0, 1]]);
  bad.process(record(1, '', { partition: 1, timestampMs: T0 + 5_000 }));
  const released = bad.process(record(2, full('S-9', 6, 'ACC-2', 'deposit', 1, 1), { partition: 1, timestampMs: T0 + 6_000 })).metrics;
  assert.deepEqual(released.map((w) => [w.windowStartMs, w.dlq]), [[T0, 2]]);
});

test('dead letters before the first valid record do not set the watermark: they go out in a window of their own', () => {
  // The producer's records carry wall-clock timestamps, the transactions simulated event times a year
  // earlier. A malformed first record must not set the watermark from its timestamp: every later window
  // would then be "late", lumped into one window that never closes.
  const wall = T0 + 365 * 86_400_000;
  const p = new PartitionProcessor(1, DEFAULT_CONFIG);
  assert.deepEqual(p.process(record(0, '{"oops"', { partition: 1, timestampMs: wall })).metrics, []);
  assert.deepEqual(p.process(record(1, '[1]', { partition: 1, timestampMs: wall + 5 })).metrics, []);
  const windows = [0, 1, 2, 3, 4, 5].flatMap((i) => p.process(record(2 + i, full(`D-${i}`, i * 10, 'ACC-1', 'deposit', 1, 1 + i), { partition: 1, timestampMs: wall + 10 + i })).metrics);
  // The held window (at the first one's timestamp) goes out with the first valid record; then event time.
  assert.deepEqual(windows.map((w) => [w.windowStartMs - T0, w.records, w.valid, w.dlq, w.late]), [[wall - T0, 2, 0, 2, 0], [0, 1, 1, 0, 0], [10_000, 1, 1, 0, 0], [20_000, 1, 1, 0, 0], [30_000, 1, 1, 0, 0], [40_000, 1, 1, 0, 0]]);
  assert.deepEqual(windows[0]?.dlqByReason, { bad_json: 1, not_object: 1 });

  // A partition with dead letters only: they go out when the windows are flushed (or the partition is
  // idle), in the window of the first one's timestamp, and they survive a snapshot until then.
  const bad = new PartitionProcessor(2, DEFAULT_CONFIG);
  bad.process(record(0, '', { partition: 2, timestampMs: wall }));
  bad.process(record(1, '{"oops"', { partition: 2, timestampMs: wall + 1500 }));
  const restored = new PartitionProcessor(2, DEFAULT_CONFIG);
  restored.restore(JSON.parse(JSON.stringify(bad.snapshot())));
  for (const q of [bad, restored]) {
    assert.deepEqual(q.flush().map((w) => [w.windowStartMs - wall, w.records, w.dlq, w.dlqByReason]), [[0, 2, 2, { empty: 1, bad_json: 1 }]]);
    assert.deepEqual(q.flush(), []);
  }
  assert.deepEqual(bad.idleWindows(), [], 'flushed: nothing left to show');
});

test('the label header is read whatever the header container', () => {
  const containers: Array<InputRecord['headers']> = [
    new Map([[Buffer.from('sim-label'), Buffer.from('mule_transfer')]]),
    new Map([['sim-label', 'mule_transfer']]),
    [['other', 'x'], [Buffer.from('sim-label'), 'mule_transfer']],
  ];
  for (const headers of containers) {
    const p = new PartitionProcessor(0, DEFAULT_CONFIG);
    p.process({ ...record(0, { account_id: 'A', transaction_type: 'withdraw', amount: 1 }), headers });
    p.process({ ...record(1, { account_id: 'A', transaction_type: 'withdraw', amount: 1 }), headers });
    const q = p.qualityTotals();
    assert.deepEqual([q.labeled, q.positives, q.episodes], [2, 2, 1]);
  }
});

test('event time going back by more than clockResetMs starts a new clock: old windows go out, nothing is late', () => {
  const p = new PartitionProcessor(0, DEFAULT_CONFIG);
  const msg = { account_id: 'A', transaction_type: 'deposit', amount: 1 };
  const ahead = T0 + 10 * 3_600_000; // the old bank ran ten hours ahead (say, at --speed 60)
  p.process(record(0, msg, { timestampMs: ahead }));
  p.process(record(1, msg, { timestampMs: ahead + 500 }));
  // A straggler less than clockResetMs behind is late, counted in the newest window.
  p.process(record(2, msg, { timestampMs: ahead - 60_000 }));
  const reset = p.process(record(3, msg, { timestampMs: T0 }));
  assert.deepEqual(reset.metrics.map((w) => [w.windowStartMs, w.records, w.late]), [[ahead, 3, 1]], 'the old clock\'s open window goes out');
  p.process(record(4, msg, { timestampMs: T0 + 1_000 }));
  const moving = p.process(record(5, msg, { timestampMs: T0 + 4_000 }));
  assert.deepEqual(moving.metrics.map((w) => [w.windowStartMs, w.records, w.late]), [[T0, 1, 0], [T0 + 1_000, 1, 0]], 'the new clock\'s windows close with its own time');
  assert.deepEqual(p.flush().map((w) => [w.windowStartMs, w.late]), [[T0 + 4_000, 0]]);
});
