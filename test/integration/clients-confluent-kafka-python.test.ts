// confluent-kafka-python (librdkafka 2.0.2, test/integration/py/confluent-kafka-client.py) against the
// embedded broker: its AdminClient (create with configs, validate-only, refusals, name collisions and
// internal names, describe configs, delete), a transactional Producer refused at once and a Producer/assigned Consumer round trip for the codecs kcat does not already cover here.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { runPythonJson } from '../helpers/processes.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py/confluent-kafka-client.py');
const COUNT = 3_000;

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
});
after(async () => {
  await tb.stop();
});

function py<T>(...args: string[]): Promise<T> {
  return runPythonJson<T>(SCRIPT, tb.bootstrap, args, 'confluent-kafka');
}

const hex = (s: string) => Buffer.from(s).toString('hex');

test('AdminClient: create, refusals, validate-only, describe configs, delete', async () => {
  const out = await py<{
    create: string; again: string; compact: string; validateOnly: string; topics: string[]; partitions: number[]; brokers: string[];
    configs: Record<string, { value: string; isDefault: boolean }>; deleteAgain: string; topicsAfter: string[];
  }>('admin', 'ck-admin');
  assert.equal(out.create, 'ok');
  assert.equal(out.again, 'TOPIC_ALREADY_EXISTS');
  assert.equal(out.compact, 'INVALID_CONFIG');
  assert.equal(out.validateOnly, 'ok');
  assert.deepEqual(out.topics, ['ck-admin'], 'neither the refused nor the validate-only topic exists');
  assert.deepEqual(out.partitions, [0, 1, 2, 3]);
  assert.deepEqual(out.brokers, [tb.bootstrap]);
  assert.deepEqual(out.configs['retention.ms'], { value: '600000', isDefault: false });
  assert.deepEqual(out.configs['segment.bytes'], { value: '1073741824', isDefault: true });
  assert.equal(out.deleteAgain, 'UNKNOWN_TOPIC_OR_PART');
  assert.deepEqual(out.topicsAfter, []);
});

test('AdminClient: names colliding in . against _ and internal names are refused', async () => {
  type Outcome = { error: string; message?: string };
  const out = await py<Record<string, Outcome> & { topics: string[] }>('names', 'ck.names');
  assert.equal(out['ck.names']?.error, 'ok');
  assert.equal(out['ck_names']?.error, 'TOPIC_EXCEPTION', "librdkafka's name for INVALID_TOPIC_EXCEPTION");
  assert.match(out['ck_names']?.message ?? '', /ck_names collides with existing topic ck\.names/);
  assert.equal(out['__consumer_offsets']?.error, 'INVALID_REQUEST');
  assert.match(out['__consumer_offsets']?.message ?? '', /internal topic __consumer_offsets/);
  assert.equal(out['__transaction_state']?.error, 'INVALID_REQUEST');
  assert.ok(out.topics.includes('ck.names'));
  assert.deepEqual(out.topics.filter((t) => t === 'ck_names' || t.startsWith('__')), []);
});

test('Producer with a transactional.id: init_transactions fails at once with a fatal error', async () => {
  const out = await py<{ error: string; fatal?: boolean; retriable?: boolean; message?: string; seconds: number }>('transactional', '10');
  assert.equal(out.error, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  assert.equal(out.fatal, true);
  assert.equal(out.retriable, false);
  assert.match(out.message ?? '', /transactional PID/i);
  assert.ok(out.seconds < 2, `took ${out.seconds} s`);
});

for (const codec of ['zstd', 'lz4']) {
  test(`Producer + assigned Consumer ${codec}: ${COUNT} messages where their acks said, in order`, async () => {
    const out = await py<{
      unflushed: number; acked: Record<string, [number, number] | string>; watermarks: Record<string, [number, number]>;
      records: { partition: number; offset: number; key: string; value: string; headers: [string, string][] }[];
    }>('roundtrip', `ck-${codec}`, String(COUNT), codec);
    assert.equal(out.unflushed, 0);
    assert.equal(out.records.length, COUNT);
    const last = new Map<number, number>();
    for (const r of out.records) {
      const i = Number(Buffer.from(r.headers[0]?.[1] ?? '', 'hex').toString());
      assert.deepEqual([r.key, r.value], [hex(`acct-${i % 83}`), hex(`${codec}-${i}-${'z'.repeat(i % 29)}`)]);
      assert.deepEqual([r.partition, r.offset], out.acked[String(i)], `message ${i} is not where its delivery report said`);
      assert.equal(r.offset, (last.get(r.partition) ?? -1) + 1, `partition ${r.partition} offsets not contiguous`);
      last.set(r.partition, r.offset);
    }
    assert.deepEqual(Object.fromEntries(Object.entries(out.watermarks).map(([p, w]) => [p, w])),
      Object.fromEntries([...last].map(([p, o]) => [String(p), [0, o + 1]])));
  });
}
