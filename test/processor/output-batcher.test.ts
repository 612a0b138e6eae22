// The runner's output batching on its own, against a send whose acknowledgements the test hands out:
// batch limits by records and bytes, windows as one metrics record per partition and send, the in-flight
// limit, caught-up sends, acknowledged counts and local lines, and a failed send.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { parseWindows } from '../../src/formats/metrics-window.ts';
import { emptyWindow, type WindowAggregate } from '../../src/processor/aggregates.ts';
import { OutputBatcher, type OutputBatcherOptions } from '../../src/processor/output-batcher.ts';
import { LocalSinks, type OutputRecord } from '../../src/processor/sinks.ts';

interface Send {
  records: OutputRecord[];
  ack: () => void;
  fail: (err: Error) => void;
}

function batcher(over: Partial<OutputBatcherOptions> = {}) {
  const sends: Send[] = [];
  const failures: unknown[] = [];
  let held = false;
  const outputs = new OutputBatcher({
    group: 'g',
    maxBatchRecords: 3,
    maxBatchBytes: 1 << 20,
    maxInFlight: 2,
    send: (records) => new Promise<void>((ack, fail) => sends.push({ records, ack, fail })),
    onFailure: (err) => failures.push(err),
    held: () => held,
    ...over,
  });
  return { outputs, sends, failures, hold: (h: boolean) => (held = h) };
}

function dlq(i: number, valueBytes = 10): OutputRecord {
  return { kind: 'dlq', sourcePartition: 0, key: null, value: Buffer.alloc(valueBytes, 0x61), headers: { 'dlq-offset': String(i) } };
}

function windows(partition: number, from: number, n: number): WindowAggregate[] {
  return Array.from({ length: n }, (_, i) => ({ ...emptyWindow(partition, (from + i) * 1000, 1000), records: 1 }));
}

const turn = () => new Promise((r) => setImmediate(r));

test('a batch goes when it holds maxBatchRecords outputs; a drain sends the rest and waits for every acknowledgement', async () => {
  const { outputs, sends } = batcher();
  for (let i = 0; i < 7; i++) outputs.add(dlq(i));
  assert.deepEqual(sends.map((s) => s.records.length), [3, 3]);
  let drained = false;
  const drain = outputs.drain().then(() => (drained = true));
  assert.deepEqual(sends.map((s) => s.records.length), [3, 3, 1]);
  sends[0]?.ack();
  sends[2]?.ack();
  await turn();
  assert.equal(drained, false, 'one send is still unacknowledged');
  sends[1]?.ack();
  await drain;
  assert.deepEqual(sends.flatMap((s) => s.records.map((r) => r.headers['dlq-offset'])), ['0', '1', '2', '3', '4', '5', '6']);
});

test('windows travel as one metrics record per partition and send, each window one output; bytes stay under the limit', async () => {
  const sends: Array<{ records: OutputRecord[] }> = [];
  const { outputs } = batcher({
    maxBatchRecords: 1000,
    maxBatchBytes: 300,
    send: (records) => {
      sends.push({ records });
      return Promise.resolve();
    },
  });
  outputs.addWindows(0, windows(0, 0, 3));
  outputs.addWindows(1, windows(1, 0, 2));
  outputs.add(dlq(9, 100));
  await outputs.drain();
  const size = (r: OutputRecord) => 32 + (r.key?.length ?? 0) + (r.value?.length ?? 0) + Object.entries(r.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
  assert.ok(sends.length >= 2, `the byte limit split the outputs into ${sends.length} sends`);
  for (const s of sends) {
    assert.ok(s.records.reduce((n, r) => n + size(r), 0) <= 300);
    const perPartition = s.records.filter((r) => r.kind === 'metrics').map((r) => r.sourcePartition);
    assert.equal(new Set(perPartition).size, perPartition.length, 'at most one metrics record per partition in a send');
  }
  const sent = sends.flatMap((s) => s.records.filter((r) => r.kind === 'metrics').flatMap((r) => (parseWindows(r.value) ?? []).map((w) => `${r.sourcePartition}@${w.windowStartMs}`)));
  assert.deepEqual(sent.sort(), ['0@0', '0@1000', '0@2000', '1@0', '1@1000']);
});

test('acknowledged windows are counted and dead letters reach the local sinks on acknowledgement, not before', async () => {
  const logged: Array<{ event?: string }> = [];
  const local = new LocalSinks({ logger: pino({ level: 'info' }, { write: (s: string) => logged.push(JSON.parse(s) as { event?: string }) }) });
  const { outputs, sends } = batcher({ local, maxBatchRecords: 2 });
  outputs.add(dlq(1));
  outputs.addWindows(0, windows(0, 0, 1));
  outputs.add(dlq(2));
  outputs.caughtUp();
  assert.equal(sends.length, 1, 'the second dead letter waits for the first send');
  sends[0]?.ack();
  await turn();
  assert.equal(sends.length, 2);
  assert.equal(outputs.acknowledgedWindows, 1);
  assert.equal(outputs.acknowledgedAlerts, 0);
  assert.deepEqual(logged.map((l) => l.event), ['dlq']);
  sends[1]?.ack();
  await turn();
  assert.deepEqual(logged.map((l) => l.event), ['dlq', 'dlq']);
});

test('full at maxInFlight sends; waitForRoom resolves when one is acknowledged', async () => {
  const { outputs, sends } = batcher({ maxBatchRecords: 1 });
  outputs.add(dlq(1));
  assert.equal(outputs.full, false);
  outputs.add(dlq(2));
  assert.equal(outputs.full, true);
  let room = false;
  const waiting = outputs.waitForRoom().then(() => (room = true));
  await turn();
  assert.equal(room, false);
  sends[1]?.ack();
  await waiting;
  assert.equal(outputs.full, false);
});

test('caught up while a send is under way: the rest goes on its acknowledgement, unless exclusive work holds the loop', async () => {
  const { outputs, sends, hold } = batcher({ maxBatchRecords: 100 });
  outputs.add(dlq(1));
  outputs.caughtUp();
  assert.equal(sends.length, 1, 'nothing under way: sent at once');
  outputs.add(dlq(2));
  outputs.caughtUp();
  assert.equal(sends.length, 1);
  sends[0]?.ack();
  await turn();
  assert.equal(sends.length, 2, 'sent on the acknowledgement');

  outputs.add(dlq(3));
  outputs.caughtUp();
  hold(true);
  sends[1]?.ack();
  await turn();
  assert.equal(sends.length, 2, 'held: the drain of the exclusive work sends it');
  outputs.caughtUp();
  assert.equal(sends.length, 3, 'nothing under way any more');
});

test('a failed send is reported, rejects the drain, and counts nothing', async () => {
  const { outputs, sends, failures } = batcher({ maxBatchRecords: 1 });
  outputs.addWindows(0, windows(0, 0, 1));
  const refused = new Error('NOT_ENOUGH_REPLICAS');
  sends[0]?.fail(refused);
  await assert.rejects(outputs.drain(), refused);
  assert.deepEqual(failures, [refused]);
  assert.equal(outputs.acknowledgedWindows, 0);
  await assert.rejects(outputs.waitForRoom(), refused, 'the failure stays');
});

test('a dead letter larger than a send may be goes cut to fit, in a send of its own', async () => {
  const { outputs, sends } = batcher({ maxBatchBytes: 2000 });
  outputs.add(dlq(0));
  outputs.add(dlq(1, 50_000));
  assert.equal(sends.length, 1, 'the pending one went first');
  const drained = outputs.drain();
  sends[0]?.ack();
  sends[1]?.ack();
  await drained;
  const big = sends[1]?.records[0];
  assert.equal(sends[1]?.records.length, 1);
  assert.equal(big?.headers['dlq-value-stored'], 'truncated');
  assert.equal(big?.headers['dlq-original-size'], '50000');
  assert.ok((big?.value?.length ?? 0) < 2000);
});
