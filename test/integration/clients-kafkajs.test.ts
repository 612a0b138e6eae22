// kafkajs 2.2.4 against the embedded broker: its admin client (CreateTopics with configs, Metadata,
// DescribeConfigs, DeleteTopics, ListOffsets by time) and its producer (plain and GZIP, acks 0/1/all,
// tombstones, repeated headers, large records). kafkajs can only consume through a consumer group, so what
// it produced is read back with a group-less raw fetch (test/helpers/fetch-all.ts), a different client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import type { Admin, Message, Producer } from 'kafkajs';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/fetch-all.ts';
import type { FetchedRecord } from '../helpers/fetch-all.ts';

const COUNT = 5_000;
const CHUNK = 500;
const BASE_TS = 1_700_000_000_000;

let tb: TestBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
  kafka = new Kafka({ brokers: [tb.bootstrap], clientId: 'kafkajs-interop', logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
  admin = kafka.admin();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await admin.connect();
  await producer.connect();
});

after(async () => {
  await producer.disconnect();
  await admin.disconnect();
  await tb.stop();
});

// kafkajs reports per-topic failures as a KafkaJSAggregateError of protocol errors with a `type`.
function errorTypes(err: unknown): string[] {
  const errors = (err as { errors?: { type?: string }[] }).errors ?? [err as { type?: string }];
  return errors.map((e) => e.type ?? 'unknown');
}

test('admin: create with partitions and configs, metadata, describe configs, delete', async () => {
  assert.equal(await admin.createTopics({
    topics: [{ topic: 'kjs-admin', numPartitions: 4, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'segment.bytes', value: '1048576' }] }],
  }), true);
  assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-admin', numPartitions: 4 }] }), false, 'an existing topic is not created again');
  // waitForLeaders would wait for a topic that validateOnly never creates (kafkajs does so with Kafka too).
  assert.equal(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'kjs-validate-only', numPartitions: 2 }] }), true);
  assert.equal(await admin.createTopics({ validateOnly: true, waitForLeaders: false, topics: [{ topic: 'kjs-admin', numPartitions: 2 }] }), false,
    'validateOnly reports TOPIC_ALREADY_EXISTS too');

  const topics = await admin.listTopics();
  assert.ok(topics.includes('kjs-admin'));
  assert.ok(!topics.includes('kjs-validate-only'), 'validateOnly must not create the topic');

  const { topics: [meta] } = await admin.fetchTopicMetadata({ topics: ['kjs-admin'] });
  assert.equal(meta?.name, 'kjs-admin');
  assert.deepEqual(meta?.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr, p.partitionErrorCode]).sort(),
    [0, 1, 2, 3].map((i) => [i, 1, [1], [1], 0]));

  const described = await admin.describeConfigs({ resources: [{ type: 2, name: 'kjs-admin' }], includeSynonyms: false });
  const entries = new Map(described.resources[0]?.configEntries.map((e) => [e.configName, e]));
  assert.equal(entries.get('retention.ms')?.configValue, '3600000');
  assert.equal(entries.get('retention.ms')?.isDefault, false);
  assert.equal(entries.get('segment.bytes')?.configValue, '1048576');
  assert.equal(entries.get('cleanup.policy')?.configValue, 'delete');
  assert.equal(entries.get('cleanup.policy')?.isDefault, true);

  const brokerConfigs = await admin.describeConfigs({ resources: [{ type: 4, name: '1' }], includeSynonyms: false });
  const brokerEntries = new Map(brokerConfigs.resources[0]?.configEntries.map((e) => [e.configName, e.configValue]));
  assert.equal(brokerEntries.get('num.partitions'), '3');

  const cluster = await admin.describeCluster();
  assert.deepEqual(cluster.brokers.map((b) => `${b.host}:${b.port}`), [tb.bootstrap]);
  assert.equal(cluster.controller, 1);

  await admin.deleteTopics({ topics: ['kjs-admin'] });
  assert.ok(!(await admin.listTopics()).includes('kjs-admin'));
});

test('admin: invalid topics are refused with the right error codes', async () => {
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'kjs-rf3', replicationFactor: 3 }] }),
    (err) => errorTypes(err).includes('INVALID_REPLICATION_FACTOR'));
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'kjs-compact', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] }),
    (err) => errorTypes(err).includes('INVALID_CONFIG'));
  await assert.rejects(admin.createTopics({ topics: [{ topic: 'kjs bad name' }] }),
    (err) => errorTypes(err).includes('INVALID_TOPIC_EXCEPTION'));
  assert.ok(!(await admin.listTopics()).some((t) => t.startsWith('kjs-rf3') || t.startsWith('kjs-compact')));
});

function makeMessages(prefix: string): Message[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    key: `acct-${i % 101}`,
    value: `${prefix}-${i}-${'x'.repeat(i % 37)}`,
    timestamp: String(BASE_TS + i),
    headers: { seq: String(i), kind: i % 2 === 0 ? 'even' : 'odd' },
  }));
}

// Every message exactly once, each key in one partition, per-partition order = send order, offsets
// contiguous from 0, bytes, headers and timestamps unchanged.
function checkRoundTrip(sent: Message[], got: Map<number, FetchedRecord[]>): void {
  const total = [...got.values()].reduce((n, rs) => n + rs.length, 0);
  assert.equal(total, sent.length);
  const keyPartition = new Map<string, number>();
  for (const [partition, records] of got) {
    let last = -1;
    records.forEach((r, n) => {
      assert.equal(r.offset, BigInt(n), `partition ${partition} offsets not contiguous`);
      const seq = Number(r.headers.find(([k]) => k?.toString() === 'seq')?.[1]?.toString());
      const m = sent[seq];
      assert.ok(m, `unknown seq ${seq}`);
      assert.ok(seq > last, `partition ${partition} out of order at ${seq}`);
      last = seq;
      assert.equal(r.key?.toString(), m.key);
      assert.equal(r.value?.toString(), m.value);
      assert.equal(String(r.timestamp), m.timestamp);
      assert.deepEqual(r.headers.map(([k, v]) => [k?.toString(), v?.toString()]), Object.entries(m.headers ?? {}));
      const key = String(m.key);
      assert.equal(keyPartition.get(key) ?? partition, partition, `key ${key} in two partitions`);
      keyPartition.set(key, partition);
    });
  }
}

for (const [codec, compression] of [['none', CompressionTypes.None], ['gzip', CompressionTypes.GZIP]] as const) {
  test(`producer ${codec}: ${COUNT} keyed messages, read back exactly, offsets by time`, async () => {
    const topic = `kjs-${codec}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    const sent = makeMessages(codec);
    const started = performance.now();
    const nextOffset = new Map<number, number>();
    for (let i = 0; i < COUNT; i += CHUNK) {
      const acks = await producer.send({ topic, compression, acks: -1, messages: sent.slice(i, i + CHUNK) });
      for (const a of acks) {
        assert.equal(a.errorCode, 0);
        // Each send appends right after the previous one in that partition.
        assert.equal(Number(a.baseOffset), nextOffset.get(a.partition) ?? 0);
      }
      const got = await admin.fetchTopicOffsets(topic);
      for (const p of got) nextOffset.set(p.partition, Number(p.high));
    }
    const produceMs = performance.now() - started;
    const got = await fetchAll(tb.bootstrap, topic);
    checkRoundTrip(sent, got);

    const offsets = await admin.fetchTopicOffsets(topic);
    for (const o of offsets) {
      assert.equal(o.low, '0');
      assert.equal(Number(o.high), got.get(o.partition)?.length);
    }

    // Offsets by time: the first record at or after the timestamp. Uncompressed batches are searched
    // record by record; compressed ones answer the start of the batch holding it (the broker does not
    // decompress), which is never after the exact record and never skips a matching one.
    const target = BASE_TS + 2_500;
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, target);
    for (const { partition, offset } of byTime) {
      const records = got.get(partition) ?? [];
      const exact = records.findIndex((r) => r.timestamp >= BigInt(target));
      if (codec === 'none') assert.equal(Number(offset), exact, `partition ${partition}`);
      else {
        assert.ok(Number(offset) <= exact && exact - Number(offset) < CHUNK, `partition ${partition}: ${offset} vs ${exact}`);
        assert.ok(records.slice(Number(offset), exact).every((r) => r.timestamp < BigInt(target)));
      }
    }
    // Past the newest record ListOffsets answers -1 and kafkajs falls back to the high watermark.
    const future = await admin.fetchTopicOffsetsByTimestamp(topic, BASE_TS + COUNT + 1_000);
    assert.deepEqual(future.map((o) => [o.partition, Number(o.offset)]).sort(), [...got].map(([p, rs]) => [p, rs.length]).sort());
    process.stdout.write(`# kafkajs ${codec}: ${COUNT} messages produced in ${produceMs.toFixed(0)} ms\n`);
  });
}

test('producer: acks 0 and 1, tombstones, null keys, repeated and binary headers, explicit partitions', async () => {
  const topic = 'kjs-shapes';
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  const binary = Buffer.from([0, 255, 1, 254, 0x80]);
  await producer.send({ topic, acks: 1, messages: [
    { partition: 0, key: 'k', value: null },
    { partition: 0, key: null, value: 'no-key' },
    { partition: 0, key: binary, value: binary, headers: { tag: ['a', 'b'], raw: binary } },
    { partition: 0, key: '', value: '' },
  ] });
  // acks 0 gets no response; a later acks=1 send on the same connection proves the broker kept going.
  await producer.send({ topic, acks: 0, messages: [{ partition: 1, value: 'fire-and-forget' }] });
  await producer.send({ topic, acks: 1, messages: [{ partition: 1, value: 'after' }] });
  const got = await fetchAll(tb.bootstrap, topic);
  const p0 = got.get(0) ?? [];
  assert.equal(p0.length, 4);
  assert.equal(p0[0]?.key?.toString(), 'k');
  assert.equal(p0[0]?.value, null);
  assert.equal(p0[1]?.key, null);
  assert.equal(p0[1]?.value?.toString(), 'no-key');
  assert.deepEqual(p0[2]?.key, binary);
  assert.deepEqual(p0[2]?.value, binary);
  assert.deepEqual(p0[2]?.headers.map(([k, v]) => [k?.toString(), v]), [['tag', Buffer.from('a')], ['tag', Buffer.from('b')], ['raw', binary]]);
  assert.deepEqual([p0[3]?.key, p0[3]?.value], [Buffer.alloc(0), Buffer.alloc(0)]);
  assert.deepEqual(got.get(1)?.map((r) => r.value?.toString()), ['fire-and-forget', 'after']);
});

test('producer: records up to max.message.bytes are stored, larger ones refused', async () => {
  const topic = 'kjs-large';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '200000' }] }] });
  const big = Buffer.alloc(150_000, 7);
  await producer.send({ topic, messages: [{ value: big }] });
  await assert.rejects(producer.send({ topic, messages: [{ value: Buffer.alloc(250_000, 8) }] }),
    (err) => /too large|MESSAGE_TOO_LARGE|RECORD_TOO_LARGE/i.test(String((err as Error).message) + errorTypes(err).join()));
  const got = await fetchAll(tb.bootstrap, topic);
  assert.deepEqual(got.get(0)?.map((r) => r.value?.equals(big)), [true]);
});

test('producer: a topic that does not exist yet is auto-created by metadata', async () => {
  await producer.send({ topic: 'kjs-auto', messages: [{ key: 'a', value: '1' }] });
  const { topics: [meta] } = await admin.fetchTopicMetadata({ topics: ['kjs-auto'] });
  assert.equal(meta?.partitions.length, 3);
  const got = await fetchAll(tb.bootstrap, 'kjs-auto');
  assert.equal([...got.values()].flat().length, 1);
});
