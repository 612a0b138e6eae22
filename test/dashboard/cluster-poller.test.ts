// Topic overview, consumer-group lag and rates through the Admin API, against the embedded broker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { RateTracker } from '../../src/dashboard/cluster-overview.ts';
import { ClusterPoller } from '../../src/dashboard/cluster-poller.ts';
import { Hub } from '../../src/dashboard/hub.ts';
import { startBroker, type TestBroker } from '../helpers/broker.ts';

test('rates are measured over the newest span of samples and never go negative', () => {
  const r = new RateTracker(10_000);
  assert.equal(r.rate('t'), null);
  r.record(0, new Map([['t', 0n]]));
  assert.equal(r.rate('t'), null);
  r.record(2_000, new Map([['t', 200n], ['u', 5n]]));
  assert.equal(r.rate('t'), 100);
  assert.equal(r.rate('u'), null);
  for (let s = 4; s <= 30; s += 2) r.record(s * 1000, new Map([['t', BigInt(s * 100 + (s >= 20 ? (s - 18) * 500 : 0))], ['u', 5n]]));
  // From 20 s on t grows by 1200 per 2 s (600/s); the rate covers the last 10 s only, where averaging
  // from the first sample would give 9000 / 30 = 300.
  assert.equal(r.rate('t'), 600);
  assert.equal(r.rate('u'), 0);
  r.record(32_000, new Map([['t', 10n]]));
  assert.equal(r.rate('t'), 0);
});

let tb: TestBroker;
let admin: Admin;
before(async () => {
  tb = await startBroker({ defaultPartitions: 2 });
  admin = new Admin({ clientId: 'poller-test', bootstrapBrokers: [tb.bootstrap] });
});
after(async () => {
  await admin.close();
  await tb.stop();
});

test('lag per partition is the end offset minus the committed offset, and rates follow the offsets', async () => {
  const producer = new Producer({ clientId: 'poller-test-producer', bootstrapBrokers: [tb.bootstrap], serializers: stringSerializers, autocreateTopics: true });
  await admin.createTopics({ topics: ['lag-topic'], partitions: 2 });
  await producer.send({ messages: Array.from({ length: 80 }, (_, i) => ({ topic: 'lag-topic', partition: i % 2, key: 'k', value: String(i) })) });
  // An empty group with a committed offset on partition 0 only (what a stopped consumer leaves behind).
  await admin.alterConsumerGroupOffsets({ groupId: 'lag-group', topics: [{ name: 'lag-topic', partitionOffsets: [{ partition: 0, offset: 30n }] }] });

  const hub = new Hub();
  const poller = new ClusterPoller(hub, { brokers: [tb.bootstrap] });
  try {
    await poller.pollOnce();
    const topics = hub.topicsView();
    assert.equal(topics.error, null);
    assert.deepEqual(topics.brokers.map((b) => b.nodeId), [1]);
    const topic = topics.topics.find((t) => t.name === 'lag-topic');
    assert.deepEqual(topic?.partitions.map((p) => [p.partition, p.earliest, p.latest, p.messages]), [[0, '0', '40', '40'], [1, '0', '40', '40']]);
    assert.equal(topic?.messages, '80');
    assert.equal(topic?.ratePerSec, null);

    const groups = hub.groupsView();
    assert.equal(groups.error, null);
    const group = groups.groups.find((g) => g.groupId === 'lag-group');
    assert.ok(group, JSON.stringify(groups));
    assert.equal(group.members, 0);
    assert.deepEqual(group.partitions, [{ topic: 'lag-topic', partition: 0, committed: '30', latest: '40', lag: '10', owner: null }]);
    assert.equal(group.totalLag, '10');

    await new Promise((r) => setTimeout(r, 500));
    await producer.send({ messages: Array.from({ length: 100 }, (_, i) => ({ topic: 'lag-topic', partition: i % 2, key: 'k', value: String(i) })) });
    await admin.alterConsumerGroupOffsets({ groupId: 'lag-group', topics: [{ name: 'lag-topic', partitionOffsets: [{ partition: 0, offset: 90n }] }] });
    await poller.pollOnce();
    const after = hub.topicsView().topics.find((t) => t.name === 'lag-topic');
    assert.ok(after?.ratePerSec !== null && after?.ratePerSec !== undefined && after.ratePerSec > 20 && after.ratePerSec < 250, String(after?.ratePerSec));
    const g2 = hub.groupsView().groups.find((g) => g.groupId === 'lag-group');
    assert.deepEqual(g2?.partitions.map((p) => p.lag), ['0']);
    assert.ok(g2?.ratePerSec !== null && g2?.ratePerSec !== undefined && g2.ratePerSec > 10, String(g2?.ratePerSec));
  } finally {
    await poller.close();
    await producer.close();
    hub.close();
  }
});

test('an unreachable broker is reported per section, not thrown', async () => {
  const hub = new Hub();
  const poller = new ClusterPoller(hub, { brokers: ['127.0.0.1:1'] });
  try {
    await poller.pollOnce();
    assert.match(hub.topicsView().error ?? '', /ECONNREFUSED|connect/i);
    assert.match(hub.groupsView().error ?? '', /ECONNREFUSED|connect/i);
  } finally {
    await poller.close();
    hub.close();
  }
});
