// The classic group state machine under fake timers: join/sync flows, fencing, session expiry, rebalance
// and sync timeouts, protocol selection, static membership, restore after restart.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import pino from 'pino';
import { Group } from '../../../src/broker/coordinator/group.ts';
import type { GroupSnapshot, JoinParams, JoinResult, SyncResult } from '../../../src/broker/coordinator/group.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';

const logger = pino({ level: 'silent' });
const SESSION = 10_000;
const REBALANCE = 30_000;

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
afterEach(() => mock.timers.reset());

function makeGroup(initialRebalanceDelayMs = 0): { g: Group; persisted: GroupSnapshot[] } {
  const persisted: GroupSnapshot[] = [];
  const g = new Group('g', { initialRebalanceDelayMs, newMemberJoinTimeoutMs: 300_000 }, { logger, persist: (x) => persisted.push(x.snapshot()) });
  return { g, persisted };
}

function params(over: Partial<JoinParams> = {}): JoinParams {
  return {
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    requireKnownMemberId: true,
    supportSkippingAssignment: false,
    ...over,
  };
}

interface Pending<T> {
  result: T | null;
}

// Whether the request is still waiting; a function, so that asserting it does not narrow `result` for later.
function waiting<T>(p: Pending<T>): boolean {
  return p.result === null;
}

function join(g: Group, p: JoinParams): Pending<JoinResult> {
  const box: Pending<JoinResult> = { result: null };
  g.join(p, (r) => {
    assert.equal(box.result, null, 'answered twice');
    box.result = r;
  });
  return box;
}

function sync(g: Group, memberId: string, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = []): Pending<SyncResult> {
  const box: Pending<SyncResult> = { result: null };
  g.sync({ memberId, groupInstanceId: null, generationId, protocolType: null, protocolName: null, assignments }, (r) => {
    box.result = r;
  });
  return box;
}

// The v4 handshake: MEMBER_ID_REQUIRED with an id, then the real join (answered when the rebalance ends).
function newMember(g: Group, over: Partial<JoinParams> = {}): { memberId: string; joined: Pending<JoinResult> } {
  const first = join(g, params(over));
  assert.equal(first.result?.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const memberId = first.result.memberId;
  return { memberId, joined: join(g, params({ ...over, memberId })) };
}

// Forms a Stable group of `n` members; returns their ids (the first is the leader).
function stableGroup(g: Group, n: number): { ids: string[]; generation: number } {
  const members = Array.from({ length: n }, () => newMember(g));
  mock.timers.tick(0);
  const ids = members.map((m) => m.memberId);
  const results = members.map((m) => m.joined.result);
  for (const r of results) assert.equal(r?.errorCode, ErrorCode.NONE);
  const generation = (results[0] as JoinResult).generationId;
  const leader = (results[0] as JoinResult).leader;
  const syncs = ids.filter((id) => id !== leader).map((id) => sync(g, id, generation));
  sync(g, leader, generation, ids.map((id) => ({ memberId: id, assignment: Buffer.from(`for ${id}`) })));
  for (const s of syncs) assert.equal(s.result?.errorCode, ErrorCode.NONE);
  assert.equal(g.state, 'Stable');
  return { ids: [leader, ...ids.filter((id) => id !== leader)], generation };
}

test('MEMBER_ID_REQUIRED, then the only member leads generation 1 and gets its assignment', () => {
  const { g, persisted } = makeGroup();
  const first = join(g, params({ clientId: 'kcat' }));
  assert.equal(first.result?.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(first.result.memberId, /^kcat-[0-9a-f-]{36}$/);
  assert.equal(g.state, 'Empty');

  const joined = join(g, params({ memberId: first.result.memberId }));
  assert.equal(g.state, 'PreparingRebalance');
  assert.ok(waiting(joined));
  mock.timers.tick(0);
  const r = joined.result as JoinResult | null;
  assert.equal(r?.errorCode, ErrorCode.NONE);
  assert.equal(r.generationId, 1);
  assert.equal(r.leader, first.result.memberId);
  assert.equal(r.protocolName, 'range');
  assert.equal(r.protocolType, 'consumer');
  assert.deepEqual(r.members.map((m) => [m.memberId, m.metadata.toString()]), [[first.result.memberId, 'sub']]);
  assert.equal(g.state, 'CompletingRebalance');
  assert.equal(g.heartbeat(r.memberId, null, 1), ErrorCode.NONE);

  const s = sync(g, r.memberId, 1, [{ memberId: r.memberId, assignment: Buffer.from('all') }]);
  assert.equal(s.result?.errorCode, ErrorCode.NONE);
  assert.equal(s.result.assignment.toString(), 'all');
  assert.equal(g.state, 'Stable');
  assert.equal(persisted.at(-1)?.members[0]?.assignment.toString(), 'all');
  // A Stable group answers a repeated SyncGroup with the current assignment.
  assert.equal(sync(g, r.memberId, 1).result?.assignment.toString(), 'all');
});

test('a second member rebalances the group: heartbeats say REBALANCE_IN_PROGRESS until the first rejoins', () => {
  const { g } = makeGroup();
  const { ids: [a] } = stableGroup(g, 1);
  const b = newMember(g, { clientId: 'other' });
  assert.equal(g.state, 'PreparingRebalance');
  assert.equal(g.heartbeat(a as string, null, 1), ErrorCode.REBALANCE_IN_PROGRESS);
  assert.ok(waiting(b.joined));
  const again = join(g, params({ memberId: a as string }));
  // Everyone has joined: the rebalance completes without waiting for the timeout.
  assert.equal(again.result?.generationId, 2);
  assert.equal(b.joined.result?.generationId, 2);
  assert.equal(again.result.leader, a);
  assert.equal(again.result.members.length, 2);
  assert.equal(b.joined.result.members.length, 0);

  const follower = sync(g, b.memberId, 2);
  assert.ok(waiting(follower), 'follower waits for the leader');
  assert.equal(sync(g, b.memberId, 1).result?.errorCode, ErrorCode.ILLEGAL_GENERATION);
  sync(g, a as string, 2, [{ memberId: a as string, assignment: Buffer.from('p0-2') }]);
  // The leader forgot b: b still gets an answer, with empty bytes.
  assert.equal(follower.result?.errorCode, ErrorCode.NONE);
  assert.equal(follower.result.assignment.length, 0);
});

test('a member that stops heartbeating is removed after its session timeout and the survivor takes over', () => {
  const { g } = makeGroup();
  const { ids: [a, b], generation } = stableGroup(g, 2) as { ids: [string, string]; generation: number };
  for (let t = 0; t < SESSION - 1000; t += 3000) {
    mock.timers.tick(3000);
    assert.equal(g.heartbeat(a, null, generation), ErrorCode.NONE);
  }
  assert.equal(g.state, 'Stable');
  mock.timers.tick(1000);
  assert.equal(g.state, 'PreparingRebalance', 'b expired');
  assert.equal(g.heartbeat(b, null, generation), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(g.heartbeat(a, null, generation), ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoin = join(g, params({ memberId: a }));
  assert.equal(rejoin.result?.generationId, generation + 1);
  assert.deepEqual(rejoin.result.members.map((m) => m.memberId), [a]);
});

test('members that do not rejoin within the rebalance timeout are dropped; old generations are fenced', () => {
  const { g } = makeGroup();
  const { ids: [leader, slow], generation } = stableGroup(g, 2) as { ids: [string, string]; generation: number };
  // The leader rejoining forces a rebalance (it may have seen new partitions).
  const rejoin = join(g, params({ memberId: leader }));
  for (let t = 0; t < REBALANCE - 5000; t += 5000) {
    mock.timers.tick(5000);
    // slow keeps its session alive but never rejoins
    assert.equal(g.heartbeat(slow, null, generation), ErrorCode.REBALANCE_IN_PROGRESS);
  }
  assert.ok(waiting(rejoin));
  mock.timers.tick(5000);
  assert.equal(rejoin.result?.generationId, generation + 1);
  assert.deepEqual(rejoin.result.members.map((m) => m.memberId), [leader]);
  assert.equal(g.heartbeat(slow, null, generation), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(g.heartbeat(leader, null, generation), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(g.heartbeat(leader, null, generation + 1), ErrorCode.NONE);
  assert.equal(g.validateOffsetCommit(leader, null, generation + 1), ErrorCode.REBALANCE_IN_PROGRESS, 'commit before SyncGroup');
  sync(g, leader, generation + 1, []);
  assert.equal(g.validateOffsetCommit(leader, null, generation + 1), null);
  assert.equal(g.validateOffsetCommit(leader, null, generation), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(g.validateOffsetCommit('someone', null, generation + 1), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(g.validateOffsetCommit('', null, -1), ErrorCode.UNKNOWN_MEMBER_ID, 'only members commit to a group with members');
});

test('the protocol all members support is chosen by vote; a member sharing none fails at once', () => {
  const { g } = makeGroup();
  const rr = { name: 'roundrobin', metadata: Buffer.from('rr') };
  const range = { name: 'range', metadata: Buffer.from('range') };
  const members = [
    newMember(g, { protocols: [range, rr] }),
    newMember(g, { protocols: [range, rr] }),
    newMember(g, { protocols: [rr, range] }),
  ];
  mock.timers.tick(0);
  for (const m of members) assert.equal(m.joined.result?.protocolName, 'range');
  const leaderResult = members.find((m) => m.joined.result?.leader === m.memberId)?.joined.result;
  assert.deepEqual(leaderResult?.members.map((m) => m.metadata.toString()), ['range', 'range', 'range']);

  // kafkajs names its assignor differently from everyone else.
  const kafkajs = join(g, params({ protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.alloc(0) }] }));
  assert.equal(kafkajs.result?.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const connect = join(g, params({ protocolType: 'connect', protocols: [range] }));
  assert.equal(connect.result?.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(g.state, 'CompletingRebalance', 'the group is not disturbed');
  assert.equal(g.size, 3);

  // An empty group takes whatever the first member brings.
  const { g: fresh } = makeGroup();
  assert.equal(join(fresh, params({ protocols: [] })).result?.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  assert.equal(join(fresh, params({ protocolType: '' })).result?.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('static members: a restart takes over the old id without a rebalance; the old id is fenced', () => {
  const { g, persisted } = makeGroup();
  // Static members skip MEMBER_ID_REQUIRED.
  const a = join(g, params({ groupInstanceId: 'pod-1' }));
  const b = join(g, params({ groupInstanceId: 'pod-2' }));
  mock.timers.tick(0);
  const aId = a.result?.memberId as string;
  const bId = b.result?.memberId as string;
  assert.equal(a.result?.leader, aId);
  const generation = g.generationId;
  sync(g, bId, generation);
  sync(g, aId, generation, [{ memberId: aId, assignment: Buffer.from('a') }, { memberId: bId, assignment: Buffer.from('b') }]);
  assert.equal(g.state, 'Stable');

  const restarted = join(g, params({ groupInstanceId: 'pod-2' }));
  assert.equal(restarted.result?.errorCode, ErrorCode.NONE);
  assert.equal(restarted.result.generationId, generation, 'no rebalance');
  assert.equal(restarted.result.leader, aId);
  assert.notEqual(restarted.result.memberId, bId);
  assert.equal(g.state, 'Stable');
  assert.equal(g.heartbeat(bId, 'pod-2', generation), ErrorCode.FENCED_INSTANCE_ID);
  const newId = restarted.result.memberId;
  assert.equal(sync(g, newId, generation).result?.assignment.toString(), 'b', 'keeps the old assignment');
  assert.ok(persisted.at(-1)?.members.some((m) => m.memberId === newId));

  // A static member that does not rejoin is kept through the rebalance (only its session can end it).
  join(g, params({ memberId: aId, groupInstanceId: 'pod-1' }));
  for (let t = 0; t < REBALANCE; t += 5000) {
    mock.timers.tick(5000);
    g.heartbeat(newId, 'pod-2', generation);
  }
  assert.equal(g.state, 'CompletingRebalance');
  assert.equal(g.generationId, generation + 1);
  assert.ok(g.has(newId));
  assert.deepEqual(g.leave([{ memberId: '', groupInstanceId: 'pod-2' }]), [ErrorCode.NONE], 'removed by instance id');
  assert.ok(!g.has(newId));
});

test('leaving: the last member out leaves the group Empty in the next generation', () => {
  const { g, persisted } = makeGroup();
  const { ids: [a, b], generation } = stableGroup(g, 2) as { ids: [string, string]; generation: number };
  assert.deepEqual(g.leave([{ memberId: 'nobody', groupInstanceId: null }]), [ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.deepEqual(g.leave([{ memberId: b, groupInstanceId: null }]), [ErrorCode.NONE]);
  assert.equal(g.state, 'PreparingRebalance');
  const rejoin = join(g, params({ memberId: a }));
  assert.equal(rejoin.result?.generationId, generation + 1);
  sync(g, a, generation + 1, [{ memberId: a, assignment: Buffer.from('x') }]);
  assert.deepEqual(g.leave([{ memberId: a, groupInstanceId: null }]), [ErrorCode.NONE]);
  assert.equal(g.state, 'Empty');
  assert.equal(g.generationId, generation + 2);
  assert.equal(persisted.at(-1)?.members.length, 0);
  assert.ok(g.idle);
  assert.equal(g.validateOffsetCommit('', null, -1), null, 'an empty group takes commits without generation');
});

test('a member id handed out but never used holds the rebalance only until its session timeout', () => {
  const { g } = makeGroup();
  const a = stableGroup(g, 1).ids[0] as string;
  const ghost = join(g, params({ clientId: 'ghost' }));
  assert.equal(ghost.result?.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  const rejoin = join(g, params({ memberId: a }));
  mock.timers.tick(SESSION - 1);
  assert.ok(waiting(rejoin), 'waiting for the pending member');
  mock.timers.tick(1);
  assert.equal(rejoin.result?.errorCode, ErrorCode.NONE);
  assert.equal(rejoin.result.members.length, 1);
  // The expired id is unknown now.
  assert.equal(join(g, params({ memberId: ghost.result.memberId })).result?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
});

test('a leader that never sends SyncGroup is removed after the rebalance timeout; followers rejoin', () => {
  const { g } = makeGroup();
  const m1 = newMember(g);
  const m2 = newMember(g);
  mock.timers.tick(0);
  const leader = m1.joined.result?.leader as string;
  const follower = leader === m1.memberId ? m2.memberId : m1.memberId;
  const followerSync = sync(g, follower, 1);
  // The leader stays alive (heartbeats are fine in CompletingRebalance) but never assigns.
  for (let t = 0; t < REBALANCE - 5000; t += 5000) {
    mock.timers.tick(5000);
    assert.equal(g.heartbeat(leader, null, 1), ErrorCode.NONE);
  }
  assert.ok(waiting(followerSync));
  mock.timers.tick(5000);
  assert.equal(followerSync.result?.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.ok(!g.has(leader));
  assert.equal(g.state, 'PreparingRebalance');
  const rejoin = join(g, params({ memberId: follower }));
  assert.equal(rejoin.result?.leader, follower);
  assert.equal(rejoin.result.generationId, 2);
});

test('the initial rebalance delay gathers members arriving close together into generation 1', () => {
  const { g } = makeGroup(3000);
  const a = newMember(g);
  mock.timers.tick(2000);
  const b = newMember(g);
  mock.timers.tick(1000);
  assert.ok(waiting(a.joined), 'extended because b arrived during the delay');
  mock.timers.tick(2999);
  assert.ok(waiting(a.joined));
  mock.timers.tick(1);
  assert.equal(a.joined.result?.generationId, 1);
  assert.equal(b.joined.result?.generationId, 1);
  assert.equal(g.size, 2);
});

test('a group restored after a restart keeps its generation; members that do not come back expire', () => {
  const { g, persisted } = makeGroup();
  const { ids: [a, b], generation } = stableGroup(g, 2) as { ids: [string, string]; generation: number };
  const snap = persisted.at(-1) as GroupSnapshot;
  const restoredPersisted: GroupSnapshot[] = [];
  const r = Group.restore(snap, { initialRebalanceDelayMs: 0, newMemberJoinTimeoutMs: 300_000 }, { logger, persist: (x) => restoredPersisted.push(x.snapshot()) });
  assert.equal(r.state, 'Stable');
  assert.equal(r.generationId, generation);
  assert.equal(r.leaderId, a);
  assert.equal(r.protocolName, 'range');
  assert.equal(r.summary().members.find((m) => m.memberId === b)?.assignment.toString(), `for ${b}`);
  mock.timers.tick(SESSION - 1);
  assert.equal(r.heartbeat(a, null, generation), ErrorCode.NONE);
  mock.timers.tick(1);
  assert.ok(!r.has(b), 'b never came back');
  assert.equal(r.state, 'PreparingRebalance');
  g.shutdown(ErrorCode.NOT_COORDINATOR);
  r.shutdown(ErrorCode.NOT_COORDINATOR);
});

test('shutdown answers every waiting request and stops the timers', () => {
  const { g } = makeGroup();
  const a = stableGroup(g, 1).ids[0] as string;
  const b = newMember(g);
  assert.ok(waiting(b.joined), 'waiting for a to rejoin');
  g.shutdown(ErrorCode.NOT_COORDINATOR);
  assert.equal(b.joined.result?.errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(g.state, 'Dead');
  assert.equal(join(g, params()).result?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(g.heartbeat(a, null, g.generationId), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.deepEqual(g.leave([{ memberId: a, groupInstanceId: null }]), [ErrorCode.COORDINATOR_NOT_AVAILABLE]);
  mock.timers.tick(10 * REBALANCE);
  assert.equal(g.state, 'Dead');
});
