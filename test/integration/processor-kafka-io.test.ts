// The processor's Kafka ports against the embedded broker, without a consumer group: outputs routed to
// the source partition's output partition, snapshots found again as the last record of their key even
// behind other groups' snapshots, and the alert read-back limited to one group and source partition.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer, noopSerializer, stringSerializer } from '@platformatic/kafka';
import pino from 'pino';
import { parseWindows } from '../../src/formats/metrics-window.ts';
import { DEFAULT_CONFIG } from '../../src/processor/config.ts';
import { KafkaPorts, TopicReader, type OutputTopics } from '../../src/processor/kafka-io.ts';
import { PartitionProcessor } from '../../src/processor/partition-processor.ts';
import { encodeSnapshot, type PartitionSnapshot } from '../../src/processor/state.ts';
import { alertRecord, dlqRecord, metricsRecord, OUTPUT_HEADERS } from '../../src/processor/sinks.ts';
import type { OutputOffsets, SnapshotRecord } from '../../src/processor/runner-ports.ts';
import type { Alert } from '../../src/processor/alert.ts';
import { WindowArray } from '../../src/formats/metrics-window.ts';
import { startBroker, type TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/fetch-all.ts';
import { record, T0 } from '../processor/helpers.ts';

const TOPICS: OutputTopics = { alerts: 'io-alerts', notifications: 'io-notifications', cases: 'io-cases', dlq: 'io-dlq', metrics: 'io-metrics', state: 'io-state' };
let tb: TestBroker;
let admin: Admin;
let reader: Consumer;
let producer: Producer<Buffer, Buffer, string, string>;

before(async () => {
  tb = await startBroker();
  const base = { bootstrapBrokers: [tb.bootstrap], retries: 2, retryDelay: 50 };
  admin = new Admin({ ...base, clientId: 'io-admin' });
  reader = new Consumer({ ...base, clientId: 'io-reader', groupId: 'io-unused' });
  producer = new Producer({ ...base, clientId: 'io-producer', acks: -1, serializers: { key: noopSerializer, value: noopSerializer, headerKey: stringSerializer, headerValue: stringSerializer } });
  await admin.createTopics({ topics: Object.values(TOPICS), partitions: 4, replicas: 1 });
  await admin.createTopics({ topics: ['io-source'], partitions: 4, replicas: 1 });
});

after(async () => {
  await Promise.allSettled([producer.close(), reader.close(), admin.close()]);
  await tb.stop();
});

function ports(group: string, counts = { alerts: 4, notifications: 4, cases: 4, dlq: 4, metrics: 4, state: 4 }): KafkaPorts {
  return new KafkaPorts({
    producer, reader: new TopicReader(reader), consumer: reader, sourceTopic: 'io-source', group, topics: TOPICS, partitionCounts: counts, logger: pino({ level: 'silent' }),
  });
}

// Alerts and notifications for a source partition, computed by the real processor.
function alertsOf(partition: number) {
  const p = new PartitionProcessor(partition, DEFAULT_CONFIG);
  const out = [];
  for (let i = 0; i < 12; i++) {
    const r = p.process(record(i, { transaction_id: `T${partition}-${i}`, timestamp: new Date(T0 + i * 1000).toISOString(), account_id: 'ACC-9', transaction_type: 'withdraw', amount: 10, balance: 50 - i * 10 }, { partition, timestampMs: T0 + i * 1000 }));
    out.push(...r.notifications, ...r.alerts); // alert-shaped either way
  }
  return { processor: p, alerts: out };
}

test('outputs go to the output partition of their source partition, with the group headers', async () => {
  const { alerts, processor } = alertsOf(2);
  assert.ok(alerts.length > 2);
  const windows = processor.flush();
  assert.ok(windows.length > 0);
  const dlq = new PartitionProcessor(3, DEFAULT_CONFIG).process(record(0, '{"oops"', { partition: 3 })).dlq;
  assert.ok(dlq !== null);
  await ports('g-route').send([...alerts.map((a) => alertRecord(a, 'g-route')), dlqRecord(dlq, 3, 'g-route'), metricsRecord(WindowArray.of(windows), 2, 'g-route')]);
  const alertRecords = await fetchAll(tb.bootstrap, TOPICS.alerts);
  assert.deepEqual(alertRecords.get(2)?.map((r) => JSON.parse(String(r.value)).id), alerts.map((a) => a.id));
  const headers = new Map(alertRecords.get(2)?.[0]?.headers.map(([k, v]) => [String(k), String(v)]));
  assert.equal(headers.get(OUTPUT_HEADERS.group), 'g-route');
  assert.equal(headers.get(OUTPUT_HEADERS.sourcePartition), '2');
  const dlqRecords = await fetchAll(tb.bootstrap, TOPICS.dlq);
  assert.equal(dlqRecords.get(3)?.length, 1);
  assert.equal(String(dlqRecords.get(3)?.[0]?.value), '{"oops"');
  const dlqHeaders = new Map(dlqRecords.get(3)?.[0]?.headers.map(([k, v]) => [String(k), String(v)]));
  assert.equal(dlqHeaders.get('dlq-reason'), 'bad_json');
  assert.equal(dlqHeaders.get('dlq-offset'), '0');
  const metricsRecords = await fetchAll(tb.bootstrap, TOPICS.metrics);
  assert.equal(metricsRecords.get(2)?.length, 1, 'the windows of one send share one record');
  assert.equal(String(metricsRecords.get(2)?.[0]?.key), '2');
  assert.deepEqual(parseWindows(metricsRecords.get(2)?.[0]?.value ?? null), windows);
});

async function stored(partition: number, snapshot: PartitionSnapshot, outputsFrom: OutputOffsets): Promise<SnapshotRecord> {
  return { partition, nextOffset: snapshot.nextOffset, value: await encodeSnapshot(snapshot), outputsFrom, seq: 0, baseOffset: snapshot.nextOffset };
}

test('the latest snapshot of a partition is found behind later snapshots of other groups and partitions', async () => {
  const { processor } = alertsOf(1);
  const mine = ports('g-state');
  // State partition 1 gets: ours (old), ours (new), then 20 of another group, and one of partition 5 (1 mod 4).
  await mine.saveSnapshots([await stored(1, { ...processor.snapshot(), nextOffset: '3' }, { alerts: 7n })]);
  await mine.saveSnapshots([await stored(1, processor.snapshot(), { alerts: 9n, notifications: 3n })]);
  const other = ports('g-other');
  for (let i = 0; i < 20; i++) await other.saveSnapshots([await stored(1, { ...processor.snapshot(), nextOffset: String(100 + i) }, {})]);
  const fifth = new PartitionProcessor(5, DEFAULT_CONFIG);
  await mine.saveSnapshots([await stored(5, fifth.snapshot(), { alerts: 0n })]);

  const found = await mine.loadSnapshot(1);
  assert.ok(found !== null);
  assert.equal(found.snapshot.nextOffset, '12');
  assert.deepEqual(found.outputsFrom, { alerts: 9n, notifications: 3n });
  assert.deepEqual(found.snapshot.engine, JSON.parse(JSON.stringify(processor.snapshot().engine)));
  assert.equal((await other.loadSnapshot(1))?.snapshot.nextOffset, '119');
  assert.equal((await mine.loadSnapshot(5))?.snapshot.partition, 5);
  assert.equal(await mine.loadSnapshot(2), null);
  assert.equal(await ports('g-none').loadSnapshot(1), null);
});

test('a full snapshot and the delta checkpoints after it are found and applied, other groups\' records between them skipped', async () => {
  const proc = new PartitionProcessor(3, DEFAULT_CONFIG);
  const mine = ports('g-chain');
  const other = ports('g-chain-other');
  const tx = (i: number, account: string) =>
    record(i, { transaction_id: `C-${i}`, timestamp: new Date(T0 + i * 1000).toISOString(), account_id: account, transaction_type: 'deposit', amount: 5, balance: 100 + i }, { partition: 3, timestampMs: T0 + i * 1000 });
  const save = async (taken: ReturnType<PartitionProcessor['takeCheckpoint']>, alerts: bigint) =>
    mine.saveSnapshots([{ partition: 3, nextOffset: taken.nextOffset, value: await encodeSnapshot(taken), outputsFrom: { alerts }, seq: 'kind' in taken ? taken.seq : 0, baseOffset: 'kind' in taken ? taken.baseOffset : taken.nextOffset }]);
  for (let i = 0; i < 4; i++) proc.process(tx(i, `ACC-${i}`));
  await save(proc.takeCheckpoint(null), 1n); // the full snapshot at offset 4
  proc.process(tx(4, 'ACC-1'));
  await save(proc.takeCheckpoint({ baseOffset: '4', previousOffset: '4', seq: 1 }), 2n);
  await other.saveSnapshots([await stored(3, new PartitionProcessor(3, DEFAULT_CONFIG).snapshot(), {})]);
  proc.process(tx(5, 'ACC-7'));
  const last = proc.takeCheckpoint({ baseOffset: '4', previousOffset: '5', seq: 2 });
  assert.ok('kind' in last && last.engine.accounts.length === 1, 'the delta holds the one account changed');
  await save(last, 3n);

  const found = await mine.loadSnapshot(3);
  assert.ok(found !== null);
  assert.equal(found.deltas, 2);
  assert.equal(found.chainProblem, null);
  assert.deepEqual(found.outputsFrom, { alerts: 3n });
  assert.deepEqual(found.snapshot, JSON.parse(JSON.stringify(proc.snapshot())));
  const keys = (await fetchAll(tb.bootstrap, TOPICS.state)).get(3)?.map((r) => String(r.key));
  assert.deepEqual(keys?.filter((k) => k.startsWith('g-chain/')), ['g-chain/io-source/3', 'g-chain/io-source/3/delta/1', 'g-chain/io-source/3/delta/2']);
});

test('read-back returns only this group\'s alerts and notifications of this source partition, from the given offsets and source offset', async () => {
  const a = alertsOf(0).alerts;
  const b = alertsOf(0).alerts.map((x) => ({ ...x, id: `${x.id}-b` }));
  const four = alertsOf(4).alerts.map((x) => ({ ...x, id: `${x.id}-p4` })); // source 4 shares alerts partition 0
  const notes = alertsOf(0).alerts.map((x) => ({ ...x, id: `${x.id}-n` }));
  const mine = ports('g-read');
  const start = (await mine.outputEnds([0])).get(0);
  assert.ok(start?.alerts !== undefined && start.notifications !== undefined);
  await mine.send([...a.slice(0, 2).map((x) => alertRecord(x, 'g-read')), alertRecord(notes[0] as Alert, 'g-read', 'notification')]);
  const mid = (await mine.outputEnds([0])).get(0) as OutputOffsets;
  assert.deepEqual(mid, { alerts: start.alerts + 2n, notifications: start.notifications + 1n, cases: start.cases });
  await mine.send([
    ...a.slice(2).map((x) => alertRecord(x, 'g-read')),
    ...b.map((x) => alertRecord(x, 'g-else')),
    ...four.map((x) => alertRecord(x, 'g-read')),
    ...notes.slice(1).map((x) => alertRecord(x, 'g-read', 'notification')),
  ]);
  assert.deepEqual(await mine.emittedIds(0, mid, 0n), [...a.slice(2), ...notes.slice(1)].map((x) => x.id));
  assert.deepEqual(await mine.emittedIds(0, {}, 0n), [...a, ...notes].map((x) => x.id));
  assert.deepEqual(await mine.emittedIds(4, start, 0n), four.map((x) => x.id));
  assert.deepEqual(await mine.emittedIds(1, {}, 0n), []);
  // Outputs of source records before a snapshot's nextOffset are not its records' to recompute.
  const after = BigInt(a[2]?.source.offset ?? Number.NaN);
  const later = (x: Alert) => BigInt(x.source.offset) >= after;
  assert.ok(a.some((x) => !later(x)) && a.some(later));
  assert.deepEqual(await mine.emittedIds(0, {}, after), [...a.filter(later), ...notes.filter(later)].map((x) => x.id));
});

test('a dead letter the DLQ topic refuses as too large goes by reference, once; the rest of its batch and send goes whole', async () => {
  const small: OutputTopics = { ...TOPICS, dlq: 'io-small-dlq' };
  await admin.createTopics({ topics: [small.dlq], partitions: 4, replicas: 1, configs: [{ name: 'max.message.bytes', value: '4000' }] });
  const logs: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(line) });
  const io = new KafkaPorts({ producer, reader: new TopicReader(reader), consumer: reader, sourceTopic: 'io-source', group: 'g-big', topics: small, partitionCounts: { alerts: 4, dlq: 4, metrics: 4, state: 4, notifications: 4, cases: 4 }, logger });
  const letter = (partition: number, offset: number, bytes: number) => dlqRecord({
    key: Buffer.from(`k${offset}`),
    value: Buffer.alloc(bytes, 0x78),
    headers: { 'dlq-reason': 'oversize', 'dlq-topic': 'io-source', 'dlq-partition': String(partition), 'dlq-offset': String(offset) },
  }, partition, 'g-big');
  const { alerts } = alertsOf(1);
  // Source partition 1: two that fit around one that does not, in one batch; partition 3 fits.
  await io.send([alertRecord(alerts[0]!, 'g-big'), letter(1, 10, 100), letter(1, 11, 6000), letter(1, 12, 200), letter(3, 20, 300)]);

  const out = await fetchAll(tb.bootstrap, small.dlq);
  const seen = (p: number) => (out.get(p) ?? []).map((r) => {
    const h = new Map(r.headers.map(([k, v]) => [String(k), String(v)]));
    return [String(r.key), r.value?.length ?? 0, h.get('dlq-value-stored') ?? null, h.get('dlq-original-size') ?? null];
  });
  assert.deepEqual(seen(1), [['k10', 100, null, null], ['k11', 0, 'reference', '6000'], ['k12', 200, null, null]]);
  assert.deepEqual(seen(3), [['k20', 300, null, null]]);
  assert.equal((await fetchAll(tb.bootstrap, TOPICS.alerts)).get(1)?.filter((r) => String(r.value).includes(alerts[0]!.id)).length, 1, 'the alert once');
  assert.equal(logs.filter((l) => l.includes('"event":"dlq-by-reference"')).length, 1);
  assert.match(logs.join(''), /dead letter of io-source-1 offset 11 \(6000 bytes\) refused by io-small-dlq as too large: sent without its value, by reference/);
});

// A source partition is behind while the member's stream has not fetched up to its log end. The stream
// is never read here, so it stops fetching once its small buffer is full.
test('backlogged: the partitions whose fetch position is behind the log end', async () => {
  const topic = 'io-backlog';
  await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
  const values = Array.from({ length: 50 }, (_, i) => Buffer.from(`record ${i}`));
  for (const [i, value] of values.entries()) await producer.send({ messages: [{ topic, partition: 0, value, key: Buffer.from(String(i)) }] });
  const member = new Consumer({ bootstrapBrokers: [tb.bootstrap], clientId: 'io-backlog', groupId: 'io-backlog', retries: 2, highWaterMark: 2, maxBytes: 200 });
  try {
    const stream = await member.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const io = new KafkaPorts({
      producer, reader: new TopicReader(reader), consumer: member, sourceTopic: topic, group: 'io-backlog', topics: TOPICS,
      partitionCounts: { alerts: 4, notifications: 4, cases: 4, dlq: 4, metrics: 4, state: 4 }, logger: pino({ level: 'silent' }),
    });
    assert.deepEqual(await io.backlogged([0, 1]), [], 'nothing known before the stream is attached');
    io.attach(stream);
    // The stream fetched its first records and waits to be read.
    for (let i = 0; i < 100 && (stream.offsetsToFetch.get(`${topic}:0`) ?? 0n) === 0n; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await io.backlogged([0, 1]), [0], 'partition 0 has records left on the broker, partition 1 none');
    let read = 0;
    for await (const _ of stream) {
      if (++read === values.length) break;
    }
    assert.deepEqual(await io.backlogged([0, 1]), [], 'every record fetched');
  } finally {
    await member.close(true);
  }
});
