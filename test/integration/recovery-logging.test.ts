// Segment recovery says what it cut: a torn tail appended to a partition's log is truncated on start and
// logged with the file and the bytes kept and dropped.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { buildRecordBatch } from '../../src/protocol/record-batch.ts';
import { startBroker, tempDir } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

test('recovery truncating a torn segment tail logs the file and the byte counts', async () => {
  const dataDir = tempDir();
  try {
    const first = await startBroker({ dataDir, defaultPartitions: 1 });
    const c = await RawClient.connect(first.bootstrap);
    c.send(Metadata, 9, { topics: [{ name: 'r', topicId: undefined as never }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    await c.receive(Metadata, 9);
    c.send(Produce, 3, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 'r', partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: Buffer.from('x') }] }) }] }] });
    assert.equal((await c.receive(Produce, 3)).body.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
    c.close();
    await first.stop();
    const file = path.join(dataDir, 'r-0', '00000000000000000000.log');
    const kept = fs.statSync(file).size;
    fs.appendFileSync(file, Buffer.alloc(37, 0xab));

    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const second = await startBroker({ dataDir, logger });
    await second.stop();
    const cut = lines.find((l) => l.msg === 'recovery truncated a torn or corrupt segment tail');
    assert.ok(cut, JSON.stringify(lines));
    assert.equal(cut.file, file);
    assert.equal(cut.keptBytes, kept);
    assert.equal(cut.droppedBytes, 37);
    assert.equal(fs.statSync(file).size, kept);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
