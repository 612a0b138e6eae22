// @platformatic/kafka consumer groups against the embedded broker (the client the processor and dashboard
// use): two members split 6 partitions, one leaves and the other takes everything over; offsets committed
// before a broker restart are where a new member resumes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import type { MessagesStream } from '@platformatic/kafka';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { assertExactlyOnce, sleep, until } from '../helpers/groups.ts';

const GROUP = 'platformatic-group';
const TOPIC = 'platformatic_alerts';
const SESSION_TIMEOUT_MS = 6000;

let tb: TestBroker;
const cleanup: (() => Promise<unknown>)[] = [];

before(async () => {
  tb = await startBroker({ groupInitialRebalanceDelayMs: 0 });
  tb.broker.context.topics.create(TOPIC, 6);
});
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => {});
  await tb.stop();
});

async function produce(prefix: string, count: number): Promise<string[]> {
  const producer = new Producer({ clientId: 'platformatic-test-producer', bootstrapBrokers: [tb.bootstrap], serializers: stringSerializers, acks: -1 });
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  try {
    await producer.send({ messages: values.map((value, i) => ({ topic: TOPIC, key: `acct-${i % 97}`, value })) });
  } finally {
    await producer.close();
  }
  return values;
}

interface Member {
  consumer: Consumer<string, string, string, string>;
  stream: MessagesStream<string, string, string, string>;
  values: string[];
  readonly assigned: number[];
  close(): Promise<void>;
}

async function member(): Promise<Member> {
  const consumer = new Consumer({
    clientId: 'platformatic-test',
    groupId: GROUP,
    bootstrapBrokers: [tb.bootstrap],
    deserializers: stringDeserializers,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 500,
    rebalanceTimeout: 10_000,
    maxWaitTime: 200,
    retries: 5,
    retryDelay: 200,
  });
  const joined = { assigned: [] as number[] };
  // Attached before consume(): the first join happens while it runs.
  consumer.on('consumer:group:join', (payload: { assignments?: { topic: string; partitions: number[] }[] }) => {
    joined.assigned = (payload.assignments ?? []).filter((a) => a.topic === TOPIC).flatMap((a) => a.partitions).sort((x, y) => x - y);
  });
  const stream = await consumer.consume({ topics: [TOPIC], mode: 'committed', fallbackMode: 'earliest', autocommit: true });
  const values: string[] = [];
  stream.on('data', (msg) => values.push(msg.value));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await stream.close();
    await consumer.close();
  };
  cleanup.push(close);
  return {
    consumer,
    stream,
    values,
    get assigned() {
      return joined.assigned;
    },
    close,
  };
}

test('@platformatic/kafka: split, hand over, commit, broker restart, resume from the committed offsets', async () => {
  const a = await member();
  const b = await member();
  await until(() => a.assigned.length === 3 && b.assigned.length === 3, 30_000, () => `a split, a=${a.assigned} b=${b.assigned}`);
  assert.deepEqual([...a.assigned, ...b.assigned].sort(), [0, 1, 2, 3, 4, 5]);
  // A fetch a sent before the rebalance may still be in flight for all six partitions, and the client
  // delivers what it returns even for partitions it no longer owns; let it finish (maxWaitTime 200 ms)
  // before producing, or both members legitimately see those records.
  await sleep(1000);
  const first = await produce('first', 300);
  await until(() => a.values.length + b.values.length >= first.length, 20_000, 'the first messages');
  assert.ok(a.values.length > 0 && b.values.length > 0, 'both members consumed');

  const leftAt = Date.now();
  await a.close();
  await until(() => b.assigned.length === 6, SESSION_TIMEOUT_MS, 'b to own all partitions after a left');
  const takeoverMs = Date.now() - leftAt;
  const second = await produce('second', 300);
  await until(() => a.values.length + b.values.length >= first.length + second.length, 20_000, 'the second messages');
  await b.close();
  assertExactlyOnce([...a.values, ...b.values], [...first, ...second], 'before the restart');

  await tb.restart();
  const third = await produce('third', 300);
  const c = await member();
  await until(() => c.values.length >= third.length, 30_000, 'the messages produced after the restart');
  await sleep(1000);
  assertExactlyOnce(c.values, third, 'after the restart: resumed from the committed offsets');
  await c.close();
  console.log(`platformatic: takeover after a member left ${takeoverMs} ms`);
});
