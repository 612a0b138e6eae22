// Topic names the broker will not create: Kafka's internal names and names that collide with an existing
// topic's ('.' against '_'). Metadata auto-creation (raw requests and librdkafka's producer via kcat);
// CreateTopics is covered with confluent-kafka's AdminClient in clients-confluent-kafka-python.test.ts.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { ZERO_UUID } from '../../src/protocol/schema.ts';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { run } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';

let tb: TestBroker;
before(async () => {
  tb = await startBroker({ defaultPartitions: 2 });
  tb.broker.context.topics.create('my.topic', 1);
});
after(() => tb.stop());

async function autoCreate(name: string): Promise<number | undefined> {
  const c = await RawClient.connect(tb.bootstrap);
  try {
    const req = Metadata.request.zero();
    req.topics = [{ topicId: ZERO_UUID, name }];
    req.allowAutoTopicCreation = true;
    c.send(Metadata, 9, req);
    return (await c.receive(Metadata, 9)).body.topics[0]?.errorCode;
  } finally {
    c.close();
  }
}

test('Metadata does not auto-create internal names or colliding names', async () => {
  // Asked for by name, __consumer_offsets is the broker's own internal topic (as in Kafka), never an
  // ordinary one; __transaction_state is not served at all.
  assert.equal(await autoCreate('__consumer_offsets'), ErrorCode.NONE);
  assert.equal(tb.broker.context.topics.get('__consumer_offsets')?.internal, true);
  assert.equal(await autoCreate('__transaction_state'), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(await autoCreate('my_topic'), ErrorCode.INVALID_TOPIC_EXCEPTION);
  // Other names starting with "__" are ordinary, as in Kafka.
  assert.equal(await autoCreate('__mine'), ErrorCode.NONE);
  assert.deepEqual(tb.broker.context.topics.list().filter((t) => !t.internal).map((t) => t.name), ['__mine', 'my.topic']);
});

test('kcat (librdkafka) producing to a colliding name fails with an invalid-topic error; nothing is created', async () => {
  const r = await run('kcat', ['-b', tb.bootstrap, '-P', '-t', 'my_topic', '-X', 'message.timeout.ms=10000'], { input: 'one\n', timeoutMs: 30_000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /[Ii]nvalid topic|INVALID_TOPIC/);
  assert.equal(tb.broker.context.topics.get('my_topic'), undefined);
});
