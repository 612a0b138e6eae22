// kafka-python 2.0.2 (/usr/bin/python3, test/integration/py/kafka-python-client.py) against the embedded
// broker, with no api_version configured so it has to probe and infer one: KafkaAdminClient (create,
// describe configs, describe cluster, delete), KafkaProducer (plain and gzip, explicit timestamps,
// headers) and a group-less KafkaConsumer (assign + seek_to_beginning, offsets_for_times). What it
// produced is also read back by a second client, and it reads what @platformatic/kafka produced.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Admin, Producer } from '@platformatic/kafka';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/fetch-all.ts';
import { runPythonJson } from '../helpers/processes.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py/kafka-python-client.py');
const COUNT = 5_000;
const BASE_TS = 1_700_000_000_000;

interface PyRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string][];
}

interface Consumed {
  records: PyRecord[];
  beginning: Record<string, number>;
  end: Record<string, number>;
  byTime: Record<string, [number, number] | null>;
}

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
});
after(async () => {
  await tb.stop();
});

function py<T>(...args: string[]): Promise<T> {
  return runPythonJson<T>(SCRIPT, tb.bootstrap, args, 'kafka-python');
}

const hex = (s: string) => Buffer.from(s).toString('hex');

// What kafka-python-client.py sends as message i.
function expected(codec: string, i: number): { key: string; value: string; headers: [string, string][] } {
  return {
    key: hex(`acct-${i % 89}`),
    value: hex(`${codec}-${i}-${'y'.repeat(i % 41)}`),
    headers: [['seq', hex(String(i))], ['bin', Buffer.from([i & 0xff, 0, 0xff]).toString('hex')]],
  };
}

test('admin: kafka-python infers a version by itself and runs create, describe, delete', async () => {
  const out = await py<{
    apiVersion: number[]; create: [string, number][]; again: string; rf3: string; topics: string[];
    configs: Record<string, { value: string; source: number }>; brokerConfigs: Record<string, string>;
    cluster: { controller: number; brokers: string[] }; delete: [string, number][]; topicsAfter: string[];
  }>('admin', 'kp-admin');
  // (2, 4, 0) is the newest kafka-python 2.0.2 can infer without DescribeAcls; anything below 0.11 would
  // mean it fell back to the old message format the broker does not take.
  assert.deepEqual(out.apiVersion, [2, 4, 0]);
  assert.deepEqual(out.create, [['kp-admin', 0]]);
  assert.equal(out.again, 'TopicAlreadyExistsError');
  assert.equal(out.rf3, 'InvalidReplicationFactorError');
  assert.deepEqual(out.topics, ['kp-admin']);
  assert.deepEqual(out.configs['retention.ms'], { value: '7200000', source: 1 });
  assert.deepEqual(out.configs['cleanup.policy'], { value: 'delete', source: 5 });
  assert.equal(out.brokerConfigs['broker.id'], '1');
  assert.deepEqual(out.cluster, { controller: 1, brokers: [tb.bootstrap] });
  assert.deepEqual(out.delete, [['kp-admin', 0]]);
  assert.deepEqual(out.topicsAfter, []);
});

for (const codec of ['none', 'gzip']) {
  test(`producer + assigned consumer ${codec}: ${COUNT} messages, exact bytes, per-partition order`, async () => {
    const topic = `kp-${codec}`;
    const produced = await py<{ apiVersion: number[]; acked: [number, number][]; ms: number }>('produce', topic, String(COUNT), codec, String(BASE_TS));
    assert.equal(produced.acked.length, COUNT);
    // Acknowledged offsets per partition are 0, 1, 2, ... in send order.
    const next = new Map<number, number>();
    for (const [p, o] of produced.acked) {
      assert.equal(o, next.get(p) ?? 0, `partition ${p}`);
      next.set(p, o + 1);
    }

    const target = BASE_TS + 3_000;
    const consumed = await py<Consumed>('consume', topic, String(target), 'beginning');
    assert.equal(consumed.records.length, COUNT);
    const seen = new Map<number, PyRecord[]>();
    for (const r of consumed.records) {
      const list = seen.get(r.partition) ?? [];
      assert.equal(r.offset, list.length, `partition ${r.partition} offsets not contiguous`);
      list.push(r);
      seen.set(r.partition, list);
      const i = Number(Buffer.from(r.headers[0]?.[1] ?? '', 'hex').toString());
      const e = expected(codec, i);
      assert.deepEqual({ key: r.key, value: r.value, headers: r.headers }, e, `message ${i}`);
      assert.equal(r.timestamp, BASE_TS + i);
      const ack = produced.acked[i];
      assert.deepEqual([r.partition, r.offset], ack, `message ${i} is not where its ack said`);
    }
    assert.equal(seen.size, 3);
    for (const [p, records] of seen) {
      assert.equal(consumed.beginning[p], 0);
      assert.equal(consumed.end[p], records.length);
      const exact = records.find((r) => r.timestamp >= target);
      const byTime = consumed.byTime[p];
      assert.ok(exact && byTime, `partition ${p}`);
      if (codec === 'none') assert.deepEqual(byTime, [exact.offset, exact.timestamp]);
      // Compressed batches are answered batch-granular: never after the exact record.
      else assert.ok(byTime[0] <= exact.offset && records.slice(byTime[0], exact.offset).every((r) => r.timestamp < target));
    }

    // A second, independent client reads the same bytes.
    const other = await fetchAll(tb.bootstrap, topic);
    for (const [p, records] of other) {
      assert.deepEqual(records.map((r) => [r.key?.toString('hex'), r.value?.toString('hex')]), seen.get(p)?.map((r) => [r.key, r.value]));
    }
    process.stdout.write(`# kafka-python ${codec}: ${COUNT} messages produced in ${produced.ms} ms\n`);
  });
}

test('kafka-python reads what @platformatic/kafka produced with gzip', async () => {
  const topic = 'kp-from-platformatic';
  const producer = new Producer({ clientId: 'plt-for-python', bootstrapBrokers: [tb.bootstrap], autocreateTopics: true });
  try {
    await producer.send({
      compression: 'gzip',
      messages: Array.from({ length: 300 }, (_, i) => ({
        topic, partition: i % 3, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: BigInt(BASE_TS + i),
        headers: new Map([[Buffer.from('seq'), Buffer.from(String(i))]]),
      })),
    });
  } finally {
    await producer.close();
  }
  const consumed = await py<Consumed>('consume', topic, String(BASE_TS), 'beginning');
  assert.equal(consumed.records.length, 300);
  for (const r of consumed.records) {
    const i = Number(Buffer.from(r.headers[0]?.[1] ?? '', 'hex').toString());
    assert.deepEqual([r.partition, r.offset, r.key, r.value, r.timestamp], [i % 3, Math.floor(i / 3), hex(`k${i}`), hex(`v${i}`), BASE_TS + i]);
  }
});

test('after retention removed old segments, a seek to 0 is reset to the log start', async () => {
  const topic = 'kp-retention';
  const admin = new Admin({ clientId: 'plt-admin-for-python', bootstrapBrokers: [tb.bootstrap] });
  const producer = new Producer({ clientId: 'plt-for-python', bootstrapBrokers: [tb.bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1, configs: [{ name: 'segment.bytes', value: '2048' }, { name: 'retention.bytes', value: '4096' }] });
    for (let i = 0; i < 400; i += 10) {
      await producer.send({ messages: Array.from({ length: 10 }, (_, j) => ({ topic, value: Buffer.from(`r${i + j}-${'p'.repeat(20)}`) })) });
    }
  } finally {
    await producer.close();
    await admin.close();
  }
  tb.broker.context.topics.applyRetention(Date.now());
  const logStart = tb.broker.context.topics.partition(topic, 0)?.log.logStartOffset ?? 0;
  assert.ok(logStart > 0, 'retention removed nothing');

  const consumed = await py<Consumed>('consume', topic, '0', '0');
  assert.equal(consumed.beginning[0], logStart);
  assert.equal(consumed.end[0], 400);
  assert.deepEqual(consumed.records.map((r) => r.offset), Array.from({ length: 400 - logStart }, (_, n) => logStart + n));
  assert.equal(consumed.records[0]?.value, hex(`r${logStart}-${'p'.repeat(20)}`));
});

test('a lag monitor pinned to 0.10.0 (ListOffsets v0) sees log start, log end and the committed offsets', async () => {
  const topic = 'kp-legacy-lag';
  const produced = await py<{ acked: [number, number][] }>('produce', topic, '300', 'none', String(BASE_TS));
  const ends = new Map<number, number>();
  for (const [p, o] of produced.acked) ends.set(p, Math.max(ends.get(p) ?? 0, o + 1));
  const out = await py<{ apiVersion: number[]; partitions: { partition: number; beginning: number; end: number; committed: number | null }[] }>('legacy-lag', topic, 'kp-legacy-group', '7');
  assert.deepEqual(out.apiVersion, [0, 10, 0]);
  assert.deepEqual(out.partitions, [0, 1, 2].map((p) => ({ partition: p, beginning: 0, end: ends.get(p) ?? 0, committed: 7 })));
});
