// Error tier 2: bad frames close that connection only; the broker keeps serving everyone else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ApiVersions } from '../../src/protocol/messages/18-api-versions.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { Fetch } from '../../src/protocol/messages/01-fetch.ts';
import { checkBatch, decodeRecords, isBatchError, buildRecordBatch } from '../../src/protocol/record-batch.ts';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ maxFrameBytes: 1024 * 1024 });
});
after(() => tb.stop());

async function stillServes(): Promise<void> {
  const c = await RawClient.connect(tb.bootstrap);
  try {
    const id = c.send(ApiVersions, 3, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' });
    const res = await c.receive(ApiVersions, 3);
    assert.equal(res.correlationId, id);
    assert.equal(res.body.errorCode, ErrorCode.NONE);
  } finally {
    c.close();
  }
}

function frame(size: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size);
  return Buffer.concat([b, body]);
}

const cases: [string, Buffer][] = [
  ['negative length', frame(-5)],
  ['zero length', frame(0)],
  ['oversized frame (2 GiB announced)', frame(0x7fffffff)],
  ['frame over the configured limit', frame(1024 * 1024 + 1)],
  ['truncated header', frame(3, Buffer.from([0, 3, 0]))],
  ['unknown api key', frame(10, Buffer.from([0x7f, 0x7f, 0, 0, 0, 0, 0, 1, 0xff, 0xff]))],
  // Metadata v1 whose topic array claims 1e9 entries in a 16-byte body.
  ['hostile array length', frame(16, Buffer.from([0, 3, 0, 1, 0, 0, 0, 7, 0xff, 0xff, 0x3b, 0x9a, 0xca, 0, 0, 0]))],
  ['unsupported Metadata version', frame(10, Buffer.from([0, 3, 0, 99, 0, 0, 0, 7, 0xff, 0xff]))],
];

for (const [name, bytes] of cases) {
  test(`${name}: connection closed, broker keeps serving`, async () => {
    const c = await RawClient.connect(tb.bootstrap);
    c.writeRaw(bytes);
    assert.equal(await c.waitClosed(), true);
    await stillServes();
  });
}

test('random garbage on many connections never takes the broker down', async () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 40; i++) {
    const c = await RawClient.connect(tb.bootstrap);
    const body = Buffer.alloc(4 + Math.floor(rand() * 200));
    for (let j = 0; j < body.length; j++) body[j] = Math.floor(rand() * 256);
    body.writeInt16BE(Math.floor(rand() * 70), 0); // mostly real api keys, random versions and bodies
    c.writeRaw(frame(body.length, body));
    await c.nextFrame(2000).catch(() => null);
    c.close();
  }
  await stillServes();
});

test('ApiVersions with an unsupported version answers v0 with UNSUPPORTED_VERSION and our ranges', async () => {
  const c = await RawClient.connect(tb.bootstrap);
  const header = Buffer.from([0, 18, 0, 42, 0, 0, 0, 9, 0, 0]);
  c.writeRaw(frame(header.length + 3, Buffer.concat([header, Buffer.from([0, 0, 0])])));
  const res = await c.receive(ApiVersions, 0);
  c.close();
  assert.equal(res.correlationId, 9);
  assert.equal(res.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.deepEqual(res.body.apiKeys.find((k) => k.apiKey === 18), { apiKey: 18, minVersion: 0, maxVersion: 3 });
});

test('pipelined requests are answered in order; acks=0 produce gets no response', async () => {
  const c = await RawClient.connect(tb.bootstrap);
  const ids = [
    c.send(Metadata, 1, { topics: null, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
    c.send(Produce, 3, { transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: 'nope', partitionData: [{ index: 0, records: Buffer.alloc(0) }] }] }),
    c.send(ApiVersions, 0, { clientSoftwareName: '', clientSoftwareVersion: '' }),
    c.send(Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
  ];
  assert.equal((await c.receive(Metadata, 1)).correlationId, ids[0]);
  assert.equal((await c.receive(ApiVersions, 0)).correlationId, ids[2]);
  assert.equal((await c.receive(Metadata, 9)).correlationId, ids[3]);
  c.close();
});

// Fetched bytes are read into pooled buffers that go back to the pool once the response is written
// (src/broker/buffer-pool.ts), and produce frames larger than a socket chunk are assembled in pooled
// buffers too. With the clients not reading, responses back up unsent while later fetches take more
// buffers: a buffer handed out again too early would show up as another fetch's bytes here.
test('fetch responses keep their bytes while they wait to be written and the broker reuses buffers', async () => {
  const topic = 'pooled-reads';
  const producer = await RawClient.connect(tb.bootstrap);
  producer.send(Metadata, 9, { topics: [{ name: topic, topicId: undefined as never }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  await producer.receive(Metadata, 9);
  const RECORDS_PER_BATCH = 10;
  const BATCHES = 8;
  const valueOf = (offset: number) => Buffer.alloc(20_000, offset % 251);
  for (let b = 0; b < BATCHES; b++) {
    const records = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => ({ value: valueOf(b * RECORDS_PER_BATCH + i) }));
    producer.send(Produce, 3, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch({ records }) }] }] });
    const res = await producer.receive(Produce, 3);
    assert.equal(res.body.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
  }
  producer.close();

  const TOTAL = RECORDS_PER_BATCH * BATCHES;
  const fetch = (offset: number) => {
    const q = Fetch.request.zero();
    q.maxWaitMs = 0;
    q.minBytes = 0;
    q.maxBytes = 300_000;
    q.topics = [{ topic, topicId: undefined as never, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 300_000 }] }];
    return q;
  };
  const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(tb.bootstrap)));
  const asked = clients.map((c, k) => {
    c.pause();
    return Array.from({ length: 24 }, (_, i) => (i * 7 + k * 13) % TOTAL).map((offset) => ({ offset, id: c.send(Fetch, 4, fetch(offset)) }));
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const [k, c] of clients.entries()) {
    c.resume();
    for (const { offset, id } of asked[k] ?? []) {
      const res = await c.receive(Fetch, 4);
      assert.equal(res.correlationId, id);
      const records = res.body.responses[0]?.partitions[0]?.records;
      assert.ok(records && records.length > 0, `fetch at ${offset} returned data`);
      const header = checkBatch(records, 0);
      assert.ok(!isBatchError(header), `fetch at ${offset}: first batch intact (${JSON.stringify(header)})`);
      const first = decodeRecords(records.subarray(0, 12 + header.batchLength));
      assert.ok(first.some((r) => r.offset === offset), `fetch at ${offset} starts with the batch holding it`);
      for (const r of first) assert.ok(r.value?.equals(valueOf(r.offset)), `record ${r.offset} has its own bytes`);
    }
    c.close();
  }
});
