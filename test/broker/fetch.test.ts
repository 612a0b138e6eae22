// Fetch handler: how one response's byte budget is shared among the partitions a fetch asks for.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { Fetch } from '../../src/protocol/messages/01-fetch.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { buildRecordBatch } from '../../src/protocol/record-batch.ts';
import { startBroker, type TestBroker } from '../helpers/broker.ts';
import { RawClient } from '../helpers/raw-client.ts';

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
});
after(() => tb.stop());

// A backlog larger than a response on every partition, fetched with a budget of about one batch: a fixed
// order would give every response to partition 0 until its backlog is gone. Each partition gets data
// within every three fetches, and the response still lists the partitions as the request did.
test('with a backlog, the byte budget goes to each partition in turn; partitions stay in request order', async () => {
  const topic = 'rotation';
  const c = await RawClient.connect(tb.bootstrap);
  try {
    c.send(Metadata, 9, { topics: [{ name: topic, topicId: undefined as never }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
    await c.receive(Metadata, 9);
    const BATCHES = 6;
    for (let b = 0; b < BATCHES; b++) {
      const records = Array.from({ length: 10 }, () => ({ value: Buffer.alloc(1000, b) }));
      c.send(Produce, 3, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 1000,
        topicData: [{ name: topic, partitionData: [0, 1, 2].map((index) => ({ index, records: buildRecordBatch({ records }) })) }],
      });
      const res = await c.receive(Produce, 3);
      for (const p of res.body.responses[0]?.partitionResponses ?? []) assert.equal(p.errorCode, ErrorCode.NONE);
    }

    const order = [2, 0, 1]; // not sorted: the response must follow the request, whatever it is
    const next = new Map(order.map((p) => [p, 0]));
    const servedAt: number[][] = [[], [], []];
    for (let i = 0; i < 9; i++) {
      const q = Fetch.request.zero();
      q.maxWaitMs = 0;
      q.minBytes = 0;
      q.maxBytes = 12_000; // about one batch of 10 x 1000 bytes
      q.topics = [{ topic, topicId: undefined as never, partitions: order.map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: next.get(partition) ?? 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }];
      c.send(Fetch, 4, q);
      const res = await c.receive(Fetch, 4);
      const partitions = res.body.responses[0]?.partitions ?? [];
      assert.deepEqual(partitions.map((p) => p.partitionIndex), order);
      let withData = 0;
      for (const p of partitions) {
        assert.equal(p.errorCode, ErrorCode.NONE);
        if ((p.records?.length ?? 0) === 0) continue;
        withData++;
        servedAt[p.partitionIndex]?.push(i);
        next.set(p.partitionIndex, (next.get(p.partitionIndex) ?? 0) + 10); // one batch of 10 per response
      }
      assert.equal(withData, 1, `fetch ${i}: one batch fits the budget`);
    }
    for (const [p, fetches] of servedAt.entries()) {
      assert.equal(fetches.length, 3, `partition ${p} got data in 3 of 9 fetches: ${fetches.join(', ')}`);
    }
  } finally {
    c.close();
  }
});
