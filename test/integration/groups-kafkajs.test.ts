// kafkajs consumer groups against the embedded broker: two members split 6 partitions, one leaves and the
// other takes everything over; offsets committed before a broker restart are where a new member resumes.
// kafkajs names its assignor "RoundRobinAssigner", so it cannot share a group with librdkafka members: a
// kcat member joining a kafkajs group is refused with INCONSISTENT_GROUP_PROTOCOL and the group carries on.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer } from 'kafkajs';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { KcatMember, assertExactlyOnce, sleep, until } from '../helpers/groups.ts';

const GROUP = 'kafkajs-group';
const TOPIC = 'kafkajs_alerts';
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

function kafka(): Kafka {
  return new Kafka({ clientId: 'kafkajs-test', brokers: [tb.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
}

async function produce(prefix: string, count: number): Promise<string[]> {
  const producer = kafka().producer();
  await producer.connect();
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value, i) => ({ key: `acct-${i % 97}`, value })) });
  await producer.disconnect();
  return values;
}

interface Member {
  consumer: Consumer;
  values: string[];
  assigned: number[];
  crashed: Error | null;
}

async function member(): Promise<Member> {
  const consumer = kafka().consumer({ groupId: GROUP, sessionTimeout: SESSION_TIMEOUT_MS, rebalanceTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  const m: Member = { consumer, values: [], assigned: [], crashed: null };
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    m.assigned = [...(e.payload.memberAssignment[TOPIC] ?? [])].sort((a, b) => a - b);
  });
  consumer.on(consumer.events.CRASH, (e) => {
    m.crashed = e.payload.error;
  });
  cleanup.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { m.values.push(message.value?.toString() ?? ''); } });
  return m;
}

test('kafkajs: split, hand over, commit, broker restart, resume from the committed offsets', async () => {
  const a = await member();
  const b = await member();
  await until(() => a.assigned.length === 3 && b.assigned.length === 3, 30_000, () => `a split, a=${a.assigned} b=${b.assigned}`);
  assert.deepEqual([...a.assigned, ...b.assigned].sort(), [0, 1, 2, 3, 4, 5]);
  const first = await produce('first', 300);
  await until(() => a.values.length + b.values.length >= first.length, 20_000, 'the first messages');
  assert.ok(a.values.length > 0 && b.values.length > 0, 'both members consumed');

  const leftAt = Date.now();
  await a.consumer.disconnect();
  await until(() => b.assigned.length === 6, SESSION_TIMEOUT_MS, 'b to own all partitions after a left');
  const takeoverMs = Date.now() - leftAt;
  const second = await produce('second', 300);
  await until(() => a.values.length + b.values.length >= first.length + second.length, 20_000, 'the second messages');
  await b.consumer.disconnect();
  assertExactlyOnce([...a.values, ...b.values], [...first, ...second], 'before the restart');

  await tb.restart();
  const third = await produce('third', 300);
  const c = await member();
  await until(() => c.values.length >= third.length, 30_000, 'the messages produced after the restart');
  await sleep(1000);
  assertExactlyOnce(c.values, third, 'after the restart: resumed from the committed offsets');

  // A librdkafka member offers "range"/"roundrobin", which no kafkajs member supports.
  const kcat = new KcatMember('kcat', tb.bootstrap, GROUP, TOPIC);
  cleanup.push(() => kcat.stop('SIGKILL'));
  await until(() => /inconsistent group protocol/i.test(kcat.stderr), 15_000, () => `kcat's error, stderr: ${kcat.stderr}`);
  await kcat.stop();
  const fourth = await produce('fourth', 10);
  await until(() => c.values.length >= third.length + fourth.length, 20_000, 'the kafkajs member to keep consuming');
  assert.equal(c.crashed, null);
  assert.deepEqual(c.assigned, [0, 1, 2, 3, 4, 5]);
  assert.equal(tb.broker.context.coordinator.describeGroup(GROUP)?.protocolName, 'RoundRobinAssigner');
  await c.consumer.disconnect();
  console.log(`kafkajs: takeover after a member left ${takeoverMs} ms`);
});
