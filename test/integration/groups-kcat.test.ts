// librdkafka consumer groups (kcat -G) against the embedded broker: two members split a 6-partition
// topic; when one stops, the other takes every partition within the session timeout and continues from
// the committed offsets (nothing consumed twice); when one is killed, its session expires and the same
// happens. A member whose assignor the group does not share is refused at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { KcatMember, assertExactlyOnce, keyedLines, sleep, until } from '../helpers/groups.ts';
import { run } from '../helpers/processes.ts';

const GROUP = 'banking-consumer-group';
const TOPIC = 'bank_alerts';
const SESSION_TIMEOUT_MS = 6000;

let tb: TestBroker;
const members: KcatMember[] = [];
before(async () => {
  tb = await startBroker({ groupInitialRebalanceDelayMs: 0 });
  tb.broker.context.topics.create(TOPIC, 6);
});
after(async () => {
  await Promise.all(members.map((m) => m.stop('SIGKILL')));
  await tb.stop();
});

function member(name: string, group = GROUP): KcatMember {
  const m = new KcatMember(name, tb.bootstrap, group, TOPIC, { 'session.timeout.ms': String(SESSION_TIMEOUT_MS) });
  members.push(m);
  return m;
}

async function produce(prefix: string, count: number): Promise<string[]> {
  const { input, values } = keyedLines(prefix, count);
  const r = await run('kcat', ['-b', tb.bootstrap, '-P', '-t', TOPIC, '-K', '\t', '-X', 'acks=all'], { input });
  assert.equal(r.code, 0, r.stderr);
  return values;
}

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);

test('two kcat -G members split 6 partitions, hand over on stop and on session expiry, never consume twice', async () => {
  const a = member('a');
  const b = member('b');
  await until(() => a.assigned.size === 3 && b.assigned.size === 3, 20_000, () => `a split: a=${sorted(a.assigned)} b=${sorted(b.assigned)}\n${a.stderr}\n${b.stderr}`);
  assert.deepEqual(sorted(new Set([...a.assigned, ...b.assigned])), [0, 1, 2, 3, 4, 5]);

  const first = await produce('first', 600);
  await until(() => a.rows.length + b.rows.length >= first.length, 20_000, 'the first 600 messages');
  for (const r of a.rows) assert.ok(a.assigned.has(r.partition), `a consumed partition ${r.partition} it does not own`);
  for (const r of b.rows) assert.ok(b.assigned.has(r.partition), `b consumed partition ${r.partition} it does not own`);
  assert.ok(a.rows.length > 0 && b.rows.length > 0, 'both members consumed');

  // A clean stop commits and leaves the group: b gets everything well within the session timeout.
  const stoppedAt = Date.now();
  await a.stop('SIGTERM');
  await until(() => b.assigned.size === 6, SESSION_TIMEOUT_MS, 'b to own all 6 partitions after a left');
  const takeoverMs = Date.now() - stoppedAt;
  const second = await produce('second', 600);
  await until(() => a.rows.length + b.rows.length >= first.length + second.length, 20_000, 'the second 600 messages');

  // A third member joins (b hands over half), then dies without leaving: its session runs out and b takes
  // its partitions back.
  const c = member('c');
  await until(() => c.assigned.size === 3 && b.assigned.size === 3, 20_000, 'b and c to split');
  const killedAt = Date.now();
  await c.stop('SIGKILL');
  await until(() => b.assigned.size === 6, SESSION_TIMEOUT_MS + 5000, 'b to take over from the killed member');
  const expiryMs = Date.now() - killedAt;
  assert.ok(expiryMs >= SESSION_TIMEOUT_MS - 1000, `takeover after ${expiryMs} ms cannot be before the session expired`);
  const third = await produce('third', 600);
  await until(() => b.rows.length + a.rows.length + c.rows.length >= 1800, 20_000, 'the third 600 messages');
  await sleep(500);
  await b.stop('SIGTERM');
  assertExactlyOnce([...a.values, ...b.values, ...c.values], [...first, ...second, ...third], 'kcat group');

  const lag = tb.broker.context.coordinator.groupLag(GROUP);
  assert.equal(lag?.state, 'Empty');
  assert.equal(lag?.totalLag, 0, 'everything consumed was committed');
  assert.equal(lag?.partitions.length, 6);
  console.log(`kcat: takeover after clean stop ${takeoverMs} ms, after kill -9 ${expiryMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`);
});

test('a member with an assignor the group does not share is refused with INCONSISTENT_GROUP_PROTOCOL', async () => {
  const group = 'assignor-mismatch';
  const range = member('range', group);
  await until(() => range.assigned.size === 6, 20_000, 'the first member to own the topic');
  const rr = new KcatMember('rr', tb.bootstrap, group, TOPIC, { 'partition.assignment.strategy': 'roundrobin', 'session.timeout.ms': String(SESSION_TIMEOUT_MS) });
  members.push(rr);
  // librdkafka prefers "range" but also offers "roundrobin"; this one offers only "cooperative-sticky".
  const sticky = new KcatMember('sticky', tb.bootstrap, group, TOPIC, { 'partition.assignment.strategy': 'cooperative-sticky', 'session.timeout.ms': String(SESSION_TIMEOUT_MS) });
  members.push(sticky);
  await until(() => /inconsistent group protocol/i.test(sticky.stderr), 15_000, () => `sticky member's error, stderr: ${sticky.stderr}`);
  // The member with a protocol in common joins; the group keeps working with the two of them.
  await until(() => rr.assigned.size === 3 && range.assigned.size === 3, 20_000, 'range and roundrobin members to share the topic');
  assert.equal(sticky.assigned.size, 0);
  assert.equal(tb.broker.context.coordinator.describeGroup(group)?.protocolName, 'roundrobin');
  await Promise.all([range.stop(), rr.stop(), sticky.stop()]);
});

test('a static member (group.instance.id) restarted within its session timeout gets its partitions back without a rebalance', async () => {
  const group = 'static-group';
  const config = (id: string) => ({ 'group.instance.id': id, 'session.timeout.ms': String(SESSION_TIMEOUT_MS) });
  const a = new KcatMember('static-a', tb.bootstrap, group, TOPIC, config('pod-a'));
  const b = new KcatMember('static-b', tb.bootstrap, group, TOPIC, config('pod-b'));
  members.push(a, b);
  await until(() => a.assigned.size === 3 && b.assigned.size === 3, 20_000, 'the static members to split');
  const before = tb.broker.context.coordinator.summary(group);
  const owned = sorted(b.assigned);
  const aLogBefore = a.stderr.length;
  // A static member does not leave the group when it shuts down; its session keeps its place.
  await b.stop('SIGTERM');
  assert.equal(tb.broker.context.coordinator.summary(group)?.members.length, 2);
  const b2 = new KcatMember('static-b2', tb.bootstrap, group, TOPIC, config('pod-b'));
  members.push(b2);
  await until(() => b2.assigned.size === 3, 10_000, 'the restarted static member to get its partitions');
  assert.deepEqual(sorted(b2.assigned), owned);
  const after = tb.broker.context.coordinator.summary(group);
  assert.equal(after?.generationId, before?.generationId, 'no rebalance');
  assert.equal(after?.state, 'Stable');
  assert.doesNotMatch(a.stderr.slice(aLogBefore), /revoked/, 'the other member kept its partitions throughout');
  const values = await produce('static', 120);
  await until(() => a.rows.length + b2.rows.length >= values.length, 20_000, 'messages after the static restart');
  await Promise.all([a.stop(), b2.stop()]);
});
