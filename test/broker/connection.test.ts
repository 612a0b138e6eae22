// Error tier 2: bad frames close that connection only; the broker keeps serving everyone else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ApiVersions } from '../../src/protocol/messages/18-api-versions.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
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
