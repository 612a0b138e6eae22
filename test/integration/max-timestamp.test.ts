// Batches produced with the header's maxTimestamp unset (-1), as some Go clients send them: the broker
// fills it in on append, so librdkafka's time lookup (kcat -o s@<ts>, ListOffsets by timestamp) finds them.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { buildRecordBatch, setMaxTimestamp } from '../../src/protocol/record-batch.ts';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { run } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';

const TOPIC = 'unset-max-ts';
const T0 = 1_750_000_000_000;

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
  tb.broker.context.topics.create(TOPIC, 1);
});
after(() => tb.stop());

async function produce(batch: Buffer): Promise<void> {
  const c = await RawClient.connect(tb.bootstrap);
  try {
    c.send(Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 1000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: batch }] }] });
    assert.equal((await c.receive(Produce, 9)).body.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
  } finally {
    c.close();
  }
}

test('kcat finds records by time in a batch sent without maxTimestamp', async () => {
  // Offsets 0-2 at T0, T0+1s, T0+2s with maxTimestamp -1 (CRC valid for that); offset 3 at T0+10s, proper.
  const unset = buildRecordBatch({ records: [0, 1000, 2000].map((d, i) => ({ value: `early-${i}`, timestamp: T0 + d })) });
  setMaxTimestamp(unset, 0, -1);
  await produce(unset);
  await produce(buildRecordBatch({ records: [{ value: 'late', timestamp: T0 + 10_000 }] }));

  const stored = tb.broker.context.topics.partition(TOPIC, 0)?.log.offsetForTimestamp(T0 + 1500);
  assert.deepEqual(stored, { offset: 2, timestamp: T0 + 2000 });

  const r = await run('kcat', ['-b', tb.bootstrap, '-C', '-t', TOPIC, '-p', '0', '-o', `s@${T0 + 1500}`, '-c', '1', '-e', '-f', '%o %T %s\\n'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `2 ${T0 + 2000} early-2`);
});
