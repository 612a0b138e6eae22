// @platformatic/kafka 2.x (the client buzzline itself uses) against the embedded broker: Admin
// (CreateTopics with configs and replica assignments, Metadata, DescribeConfigs, ListOffsets, DeleteTopics),
// Producer with every compression codec, and group-less raw Fetch: exact keys, values, headers and
// timestamps in per-partition order, long polling woken by a produce, and the fetch error codes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import type { CompressionAlgorithmValue, MessageToProduce } from '@platformatic/kafka';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/fetch-all.ts';

const COUNT = 5_000;
const CHUNK = 1_000;
const BASE_TS = 1_710_000_000_000n;
const CODECS: CompressionAlgorithmValue[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

let tb: TestBroker;
let admin: Admin;
let producer: Producer;
let consumer: Consumer;

before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
  const base = { bootstrapBrokers: [tb.bootstrap], retries: 2, retryDelay: 50 };
  admin = new Admin({ clientId: 'plt-admin', ...base });
  producer = new Producer({ clientId: 'plt-producer', ...base });
  // Only its group-less APIs (metadata, listOffsets, fetch) are used: no group is ever joined.
  consumer = new Consumer({ clientId: 'plt-fetch', groupId: 'plt-unused', ...base });
});

after(async () => {
  await consumer.close();
  await producer.close();
  await admin.close();
  await tb.stop();
});

async function topicId(topic: string): Promise<string> {
  const meta = await consumer.metadata({ topics: [topic], forceUpdate: true });
  const id = meta.topics.get(topic)?.id;
  assert.ok(id, `no id for ${topic}`);
  return id;
}

function fetchPartition(id: string, partition: number, fetchOffset: bigint, maxWaitTime: number) {
  return consumer.fetch({
    node: 1, maxWaitTime, minBytes: 1,
    topics: [{ topicId: id, partitions: [{ partition, fetchOffset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
  });
}

test('admin: create with configs and assignments, list, metadata, describe configs, list offsets, delete', async () => {
  const [created] = await admin.createTopics({ topics: ['plt-admin'], partitions: 5, replicas: 1, configs: [{ name: 'retention.ms', value: '86400000' }] });
  assert.equal(created?.name, 'plt-admin');
  assert.equal(created?.partitions, 5);
  assert.equal(created?.replicas, 1);
  assert.match(created?.id ?? '', /^[0-9a-f-]{36}$/);
  assert.notEqual(created?.id, '00000000-0000-0000-0000-000000000000');
  assert.equal(created?.configuration['retention.ms'], '86400000');
  assert.equal(created?.configuration['cleanup.policy'], 'delete');

  const [assigned] = await admin.createTopics({ topics: ['plt-assigned'], partitions: -1, replicas: -1, assignments: [0, 1].map((partition) => ({ partition, brokers: [1] })) });
  assert.equal(assigned?.partitions, 2);
  await assert.rejects(admin.createTopics({ topics: ['plt-admin'], partitions: 1, replicas: 1 }), /already exists/i);

  const topics = await admin.listTopics();
  assert.ok(topics.includes('plt-admin') && topics.includes('plt-assigned'));

  const meta = await admin.metadata({ topics: ['plt-admin'] });
  assert.equal(meta.topics.get('plt-admin')?.id, created?.id);
  assert.equal(meta.topics.get('plt-admin')?.partitionsCount, 5);
  assert.deepEqual([...meta.brokers.values()].map((b) => `${b.host}:${b.port}`), [tb.bootstrap]);

  const [described] = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'plt-admin' }], includeSynonyms: true, includeDocumentation: true });
  const retention = described?.configs.find((c) => c.name === 'retention.ms');
  assert.equal(retention?.value, '86400000');
  assert.equal(retention?.configSource, 1);
  assert.ok(retention?.documentation);
  assert.equal(described?.configs.find((c) => c.name === 'segment.bytes')?.configSource, 5);

  const listed = await admin.listOffsets({ topics: [{ name: 'plt-admin', partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 4, timestamp: -2n }] }] });
  assert.deepEqual(listed[0]?.partitions.map((p) => [p.partitionIndex, p.offset]), [[0, 0n], [4, 0n]]);

  await admin.deleteTopics({ topics: ['plt-admin', 'plt-assigned'] });
  const after = await admin.listTopics();
  assert.ok(!after.includes('plt-admin') && !after.includes('plt-assigned'));
});

for (const compression of CODECS) {
  test(`producer ${compression}: ${COUNT} keyed messages with headers come back exact and in order`, async () => {
    const topic = `plt-${compression}`;
    await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
    const sent: MessageToProduce[] = Array.from({ length: COUNT }, (_, i) => ({
      topic,
      key: Buffer.from(`acct-${i % 97}`),
      value: Buffer.from(`${compression}:${i}:${'v'.repeat(i % 53)}`),
      timestamp: BASE_TS + BigInt(i),
      headers: new Map([[Buffer.from('seq'), Buffer.from(String(i))], [Buffer.from('bin'), Buffer.from([i & 0xff, 0, 0xff])]]),
    }));
    const started = performance.now();
    for (let i = 0; i < COUNT; i += CHUNK) {
      const result = await producer.send({ messages: sent.slice(i, i + CHUNK), compression, acks: -1 });
      assert.equal(result.offsets?.length, 3);
    }
    const produceMs = performance.now() - started;

    const got = await fetchAll(tb.bootstrap, topic);
    let total = 0;
    const keyPartition = new Map<string, number>();
    for (const [partition, records] of got) {
      total += records.length;
      let last = -1;
      records.forEach((r, n) => {
        assert.equal(r.offset, BigInt(n));
        const seq = Number(r.headers[0]?.[1]?.toString());
        const m = sent[seq];
        assert.ok(m && seq > last, `partition ${partition}: seq ${seq} after ${last}`);
        last = seq;
        assert.deepEqual(r.key, m.key);
        assert.deepEqual(r.value, m.value);
        assert.equal(r.timestamp, m.timestamp);
        assert.deepEqual(r.headers, [...(m.headers as Map<Buffer, Buffer>)]);
        const key = String(m.key);
        assert.equal(keyPartition.get(key) ?? partition, partition, `key ${key} in two partitions`);
        keyPartition.set(key, partition);
      });
    }
    assert.equal(total, COUNT);
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic);
    assert.deepEqual(ends, [0, 1, 2].map((p) => BigInt(got.get(p)?.length ?? -1)));
    process.stdout.write(`# platformatic ${compression}: ${COUNT} messages produced in ${produceMs.toFixed(0)} ms\n`);
  });
}

test('list offsets by timestamp: exact for uncompressed batches, -1 past the end', async () => {
  const topic = 'plt-none';
  const byTime = await consumer.listOffsetsWithTimestamps({ topics: [topic], timestamp: BASE_TS + 4_000n });
  const got = await fetchAll(tb.bootstrap, topic);
  for (const [partition, { offset, timestamp }] of byTime.get(topic) ?? []) {
    const exact = got.get(partition)?.find((r) => r.timestamp >= BASE_TS + 4_000n);
    assert.equal(offset, exact?.offset);
    assert.equal(timestamp, exact?.timestamp);
  }
  const past = await consumer.listOffsetsWithTimestamps({ topics: [topic], timestamp: BASE_TS + 1_000_000n });
  assert.deepEqual([...(past.get(topic)?.values() ?? [])].map((o) => o.offset), [-1n, -1n, -1n]);
});

test('fetch: a long poll returns as soon as a produce brings data, an idle one after maxWaitTime', async () => {
  const topic = 'plt-long-poll';
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  const id = await topicId(topic);

  let started = performance.now();
  const idle = await fetchPartition(id, 0, 0n, 300);
  const idleMs = performance.now() - started;
  assert.equal(idle.responses[0]?.partitions[0]?.records?.length ?? 0, 0);
  assert.ok(idleMs >= 250 && idleMs < 2_000, `idle fetch took ${idleMs} ms`);

  started = performance.now();
  const polling = fetchPartition(id, 0, 0n, 10_000);
  setTimeout(() => void producer.send({ messages: [{ topic, value: Buffer.from('wake up') }] }), 200);
  const woken = await polling;
  const wokenMs = performance.now() - started;
  assert.equal(woken.responses[0]?.partitions[0]?.records?.[0]?.records[0]?.value?.toString(), 'wake up');
  assert.ok(wokenMs < 3_000, `long poll took ${wokenMs} ms to notice the produce`);
  process.stdout.write(`# platformatic long poll: idle ${idleMs.toFixed(0)} ms (maxWait 300), woken after ${wokenMs.toFixed(0)} ms (produce at 200)\n`);
});

test('fetch: an offset past the end answers OFFSET_OUT_OF_RANGE; deleted topics are unknown', async () => {
  const topic = 'plt-errors';
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  await producer.send({ messages: [{ topic, value: Buffer.from('x') }] });
  const id = await topicId(topic);
  await assert.rejects(fetchPartition(id, 0, 5n, 0), (err) => JSON.stringify(errorSummary(err)).includes('OFFSET_OUT_OF_RANGE'));
  await admin.deleteTopics({ topics: [topic] });
  await assert.rejects(fetchPartition(id, 0, 0n, 0), (err) => JSON.stringify(errorSummary(err)).includes('UNKNOWN_TOPIC_ID'));
});

// Regression: a fetch waiting on a topic that is deleted used to read the closed logs and answer
// KAFKA_STORAGE_ERROR.
test('fetch: a long poll on a topic deleted meanwhile ends at once with UNKNOWN_TOPIC_ID', async () => {
  const topic = 'plt-deleted-while-polling';
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  const id = await topicId(topic);
  const started = performance.now();
  const polling = fetchPartition(id, 0, 0n, 10_000);
  setTimeout(() => void admin.deleteTopics({ topics: [topic] }), 100);
  await assert.rejects(polling, (err) => {
    const summary = JSON.stringify(errorSummary(err));
    assert.ok(summary.includes('UNKNOWN_TOPIC_ID') && !summary.includes('KAFKA_STORAGE_ERROR'), summary);
    return true;
  });
  assert.ok(performance.now() - started < 3_000);
});

// platformatic nests protocol errors (with their apiId) inside MultipleErrors/ResponseError wrappers.
function errorSummary(err: unknown, depth = 0): unknown {
  if (depth > 6 || !(err instanceof Error)) return null;
  const e = err as Error & { apiId?: string; errors?: unknown[]; response?: unknown };
  return { message: e.message, apiId: e.apiId, errors: (e.errors ?? []).map((x) => errorSummary(x, depth + 1)), cause: errorSummary(e.cause, depth + 1) };
}
