// Memory caps against a real broker process: frames that stall after their size are closed after the
// frame timeout without the broker holding their memory, the broker-wide cap on buffered request bytes,
// and a Fetch asking for 2 GB answered with at most the broker's fetch cap.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { Fetch } from '../../src/protocol/messages/01-fetch.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { buildRecordBatch } from '../../src/protocol/record-batch.ts';
import { startBroker, tempDir } from '../helpers/broker.ts';
import { spawnBroker } from '../helpers/processes.ts';
import type { BrokerProcess } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';

const MiB = 1024 * 1024;
const FETCH_CAP = 16 * MiB;
let dir: string;
let broker: BrokerProcess;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m);
  return Number(m[1]) / 1024;
}

before(async () => {
  dir = tempDir();
  broker = await spawnBroker(dir, ['--frame-timeout-ms', '1500', '--max-buffered-request-bytes', String(128 * MiB), '--max-fetch-bytes', String(FETCH_CAP)]);
});

after(async () => {
  broker.child.kill('SIGTERM');
  await broker.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

test('8 frames of 64 MiB that stall after their size: memory stays low, the connections close after the frame timeout', async () => {
  const pid = broker.child.pid as number;
  const [host, port] = broker.bootstrap.split(':');
  const sockets = await Promise.all(Array.from({ length: 8 }, () => new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host, port: Number(port) }, () => resolve(s));
    s.once('error', reject);
  })));
  const closed = sockets.map((s) => new Promise<number>((resolve) => {
    s.on('error', () => {});
    s.on('close', () => resolve(Date.now()));
  }));
  const started = Date.now();
  for (const s of sockets) {
    const size = Buffer.alloc(4);
    size.writeInt32BE(64 * MiB);
    // The size, then the first 4 MiB of the body, then nothing.
    s.write(Buffer.concat([size, Buffer.alloc(4 * MiB, 1)]));
  }
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(rssMb(pid) < 300, `RSS ${rssMb(pid)} MB`);
  const times = await Promise.race([Promise.all(closed), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('stalled connections were not closed')), 10_000))]);
  for (const t of times) assert.ok(t - started < 8_000);
  // Every one of them was held to the timeout or refused at once by the cap; the broker still answers.
  assert.ok(rssMb(pid) < 300, `RSS ${rssMb(pid)} MB`);
  const c = await RawClient.connect(broker.bootstrap);
  c.send(Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  await c.receive(Metadata, 9);
  c.close();
});

test('a Fetch with max_bytes 2 GB on a topic holding more than 64 MiB answers at most the cap', async () => {
  const pid = broker.child.pid as number;
  const topic = 'big';
  const c = await RawClient.connect(broker.bootstrap);
  c.send(Metadata, 9, { topics: [{ name: topic, topicId: undefined as never }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  await c.receive(Metadata, 9);
  const records = Array.from({ length: 4 }, (_, i) => ({ value: Buffer.alloc(200 * 1024, i) }));
  const batch = buildRecordBatch({ records });
  for (let b = 0; b < 96; b++) {
    c.send(Produce, 3, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }] });
    // Large writes and (below) a 64 MiB response: on a loaded machine they take longer than the
    // default 5 s wait for a frame, which is about responses, not memory.
    const res = await c.receive(Produce, 3, 30_000);
    assert.equal(res.body.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
  }
  const q = Fetch.request.zero();
  q.maxWaitMs = 0;
  q.minBytes = 0;
  q.maxBytes = 2 ** 31 - 1;
  q.topics = [{ topic, topicId: undefined as never, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 2 ** 31 - 1 }] }];
  c.send(Fetch, 4, q);
  const res = await c.receive(Fetch, 4, 30_000);
  const got = res.body.responses[0]?.partitions[0]?.records?.length ?? 0;
  assert.ok(got > 0 && got <= FETCH_CAP, `fetched ${got} bytes`);
  assert.ok(rssMb(pid) < 300, `RSS ${rssMb(pid)} MB`);
  c.close();
});

test('an idle connection is closed after the idle timeout, a busy one is not', async () => {
  const tb = await startBroker({ idleTimeoutMs: 400 });
  try {
    const idle = await RawClient.connect(tb.bootstrap);
    const busy = await RawClient.connect(tb.bootstrap);
    const started = Date.now();
    while (Date.now() - started < 1_200) {
      busy.send(Metadata, 9, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
      await busy.receive(Metadata, 9);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(idle.closed, true);
    assert.equal(busy.closed, false);
    idle.close();
    busy.close();
  } finally {
    await tb.stop();
  }
});
