// __consumer_offsets as lag monitors read it, against the embedded broker: offsets committed with
// confluent_kafka and kafka-python are read back from the topic with kafka-python and decoded in Kafka's own key/value
// format by an independent Python decoder (py/consumer-offsets.py); kcat -L lists the topic; a group
// deleted with kafka-python's admin leaves tombstones; produce, create and delete are refused.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Api } from '../../src/protocol/api.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { CreateTopics } from '../../src/protocol/messages/19-create-topics.ts';
import { DeleteTopics } from '../../src/protocol/messages/20-delete-topics.ts';
import { buildRecordBatch } from '../../src/protocol/record-batch.ts';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { run, runPythonJson } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py/consumer-offsets.py');
const OFFSETS = '__consumer_offsets';
const TOPIC = 'co-orders';
const GROUP = 'lag-monitor-test';

interface Decoded {
  partition: number;
  offset: number;
  key: { type: string; group: string; topic?: string; partition?: number };
  value: { version: number; offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number } | string | null;
}
interface ReadOut {
  isInternal: boolean;
  partitions: number;
  records: Decoded[];
}

let tb: TestBroker;

before(async () => {
  tb = await startBroker();
  tb.broker.context.topics.create(TOPIC, 3);
});
after(async () => {
  await tb.stop();
});

async function call<Req, Res>(api: Api<Req, Res>, version: number, fill: (req: Req) => void): Promise<Res> {
  const c = await RawClient.connect(tb.bootstrap);
  try {
    const req = api.request.zero();
    fill(req);
    c.send(api, version, req);
    return (await c.receive(api, version)).body;
  } finally {
    c.close();
  }
}

test('the topic appears with the first commit; kcat lists it with 50 partitions', async () => {
  const before = await run('kcat', ['-b', tb.bootstrap, '-L']);
  assert.equal(before.code, 0, before.stderr);
  assert.doesNotMatch(before.stdout, /__consumer_offsets/, 'no group state yet, no topic (as in Kafka)');

  const out = await runPythonJson<{ committed: number[][] }>(SCRIPT, tb.bootstrap, ['commit', GROUP, TOPIC, '0:7', '2:11'], 'commit');
  assert.deepEqual(out.committed, [[0, 7, 0], [2, 11, 0]]);

  const listed = await run('kcat', ['-b', tb.bootstrap, '-L', '-t', OFFSETS]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /topic "__consumer_offsets" with 50 partitions/);
});

test('kafka-python reads the commits back from __consumer_offsets in Kafka format, on the group partition', async () => {
  const hashed = await runPythonJson<{ partitions: Record<string, number> }>(SCRIPT, tb.bootstrap, ['hash', GROUP], 'hash');
  const expectedPartition = hashed.partitions[GROUP];
  const out = await runPythonJson<ReadOut>(SCRIPT, tb.bootstrap, ['read'], 'read');
  assert.equal(out.isInternal, true);
  assert.equal(out.partitions, 50);
  const commits = out.records.filter((r) => r.key.type === 'offset');
  assert.deepEqual(
    commits.map((r) => [r.key.group, r.key.topic, r.key.partition, typeof r.value === 'object' && r.value !== null ? [r.value.version, r.value.offset, r.value.metadata] : r.value]),
    [[GROUP, TOPIC, 0, [3, 7, '']], [GROUP, TOPIC, 2, [3, 11, '']]],
  );
  for (const r of commits) {
    assert.equal(r.partition, expectedPartition, 'partition = abs(groupId.hashCode) % 50');
    assert.ok(typeof r.value === 'object' && r.value !== null && Math.abs(Date.now() - r.value.commitTimestamp) < 60_000);
  }

  const kp = await runPythonJson<{ committed: number }>(SCRIPT, tb.bootstrap, ['commit-kp', GROUP, TOPIC, '0:9:from kafka-python'], 'commit-kp');
  assert.equal(kp.committed, 9);
  const again = await runPythonJson<ReadOut>(SCRIPT, tb.bootstrap, ['read'], 'read');
  const latest = again.records.filter((r) => r.key.type === 'offset' && r.key.partition === 0).at(-1);
  assert.ok(typeof latest?.value === 'object' && latest.value !== null);
  assert.deepEqual([latest.value.offset, latest.value.metadata], [9, 'from kafka-python'], 'every commit appends a record');
});

test('deleting the group writes tombstones for its offsets and its metadata', async () => {
  const deleted = await runPythonJson<{ deleted: string[][] }>(SCRIPT, tb.bootstrap, ['delete-group', GROUP], 'delete-group');
  assert.deepEqual(deleted.deleted, [[GROUP, 'NoError']]);
  const out = await runPythonJson<ReadOut>(SCRIPT, tb.bootstrap, ['read'], 'read');
  const tail = out.records.slice(-3);
  assert.deepEqual(
    tail.map((r) => [r.key.type, r.key.group, r.key.partition ?? null, r.value]),
    [['offset', GROUP, 0, null], ['offset', GROUP, 2, null], ['group', GROUP, null, null]],
  );
});

test('clients cannot produce to, create or delete __consumer_offsets', async () => {
  const produced = await call(Produce, 9, (req) => {
    req.acks = -1;
    req.timeoutMs = 5000;
    req.topicData = [{ name: OFFSETS, partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ key: 'k', value: 'v' }] }) }] }];
  });
  assert.equal(produced.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);

  const kcat = await run('kcat', ['-b', tb.bootstrap, '-P', '-t', OFFSETS, '-p', '0', '-X', 'message.send.max.retries=0'], { input: 'sneaky\n' });
  assert.notEqual(kcat.code, 0);
  assert.match(kcat.stderr, /invalid topic/i);

  const created = await call(CreateTopics, 7, (req) => {
    req.topics = [{ name: OFFSETS, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }];
  });
  assert.equal(created.topics[0]?.errorCode, ErrorCode.INVALID_REQUEST);

  const removed = await call(DeleteTopics, 5, (req) => {
    req.topicNames = [OFFSETS];
  });
  assert.equal(removed.responses[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  const end = tb.broker.context.topics.get(OFFSETS);
  assert.equal(end?.partitions.length, 50, 'still there');
});
