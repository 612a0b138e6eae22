// The group and idempotence APIs over the wire, every supported version, against the embedded broker:
// FindCoordinator, the JoinGroup/SyncGroup/Heartbeat/LeaveGroup cycle, Describe/List/DeleteGroups,
// OffsetCommit/OffsetFetch/OffsetDelete with metadata, InitProducerId and idempotent Produce, and what
// survives a broker restart (committed offsets with and without a group, group membership, producer state).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import type { Api } from '../../src/protocol/api.ts';
import { encodeAssignment } from '../../src/protocol/consumer-protocol.ts';
import { encodeSubscription } from '../../src/protocol/consumer-protocol.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { Produce } from '../../src/protocol/messages/00-produce.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { OffsetCommit } from '../../src/protocol/messages/08-offset-commit.ts';
import { OffsetFetch } from '../../src/protocol/messages/09-offset-fetch.ts';
import { FindCoordinator } from '../../src/protocol/messages/10-find-coordinator.ts';
import { JoinGroup } from '../../src/protocol/messages/11-join-group.ts';
import { Heartbeat } from '../../src/protocol/messages/12-heartbeat.ts';
import { LeaveGroup } from '../../src/protocol/messages/13-leave-group.ts';
import { SyncGroup } from '../../src/protocol/messages/14-sync-group.ts';
import { DescribeGroups } from '../../src/protocol/messages/15-describe-groups.ts';
import { ListGroups } from '../../src/protocol/messages/16-list-groups.ts';
import { DeleteTopics } from '../../src/protocol/messages/20-delete-topics.ts';
import { InitProducerId } from '../../src/protocol/messages/22-init-producer-id.ts';
import { DeleteGroups } from '../../src/protocol/messages/42-delete-groups.ts';
import { OffsetDelete } from '../../src/protocol/messages/47-offset-delete.ts';
import { buildRecordBatch } from '../../src/protocol/record-batch.ts';
import { ZERO_UUID } from '../../src/protocol/schema.ts';
import { startBroker, tempDir } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { spawnBroker } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';

const TOPIC = 'accounts';
let tb: TestBroker;

before(async () => {
  tb = await startBroker({ defaultPartitions: 4, groupInitialRebalanceDelayMs: 0 });
  tb.broker.context.topics.create(TOPIC, 4);
});
after(async () => {
  await tb.stop();
});

async function call<Req, Res>(api: Api<Req, Res>, version: number, fill: (req: Req) => void, client?: RawClient, bootstrap = tb.bootstrap): Promise<Res> {
  const c = client ?? (await RawClient.connect(bootstrap));
  try {
    const req = api.request.zero();
    fill(req);
    const id = c.send(api, version, req, 'protocol-test');
    const res = await c.receive(api, version);
    assert.equal(res.correlationId, id);
    return res.body;
  } finally {
    if (client === undefined) c.close();
  }
}

const subscription = encodeSubscription({ topics: [TOPIC], userData: null, ownedPartitions: [], generationId: -1, rackId: null });

test('FindCoordinator names this broker for every key, in every version', async () => {
  const { host, port: p } = tb.broker.address();
  for (let v = 0; v <= 3; v++) {
    const r = await call(FindCoordinator, v, (q) => { q.key = 'any-group'; });
    assert.deepEqual([r.errorCode, r.nodeId, r.host, r.port], [ErrorCode.NONE, 1, host, p], `v${v}`);
  }
  for (let v = 4; v <= 5; v++) {
    const r = await call(FindCoordinator, v, (q) => { q.coordinatorKeys = ['a', 'b']; });
    assert.deepEqual(r.coordinators.map((c) => [c.key, c.nodeId, c.host, c.port, c.errorCode]), [['a', 1, host, p, 0], ['b', 1, host, p, 0]], `v${v}`);
  }
  const bad = await call(FindCoordinator, 4, (q) => { q.keyType = 7; q.coordinatorKeys = ['x']; });
  assert.equal(bad.coordinators[0]?.errorCode, ErrorCode.INVALID_REQUEST);
});

test('join, sync, heartbeat, describe, leave: one member, every JoinGroup version', async () => {
  for (let v = 0; v <= 9; v++) {
    const group = `cycle-v${v}`;
    const c = await RawClient.connect(tb.bootstrap);
    try {
      const joinOnce = (memberId: string) => call(JoinGroup, v, (q) => {
        q.groupId = group;
        q.sessionTimeoutMs = 10_000;
        q.rebalanceTimeoutMs = 10_000;
        q.memberId = memberId;
        q.protocolType = 'consumer';
        q.protocols = [{ name: 'range', metadata: subscription }];
      }, c);
      let joined = await joinOnce('');
      if (v >= 4) {
        assert.equal(joined.errorCode, ErrorCode.MEMBER_ID_REQUIRED, `v${v}`);
        joined = await joinOnce(joined.memberId);
      }
      assert.equal(joined.errorCode, ErrorCode.NONE, `v${v}`);
      assert.equal(joined.generationId, 1);
      assert.equal(joined.leader, joined.memberId);
      assert.equal(joined.protocolName, 'range');
      assert.equal(joined.protocolType, v >= 7 ? 'consumer' : null);
      assert.deepEqual(joined.members.map((m) => m.memberId), [joined.memberId]);
      assert.match(joined.memberId, /^protocol-test-/);

      const sv = Math.min(v, 5);
      const assignment = encodeAssignment({ assignedPartitions: [{ topic: TOPIC, partitions: [0, 1, 2, 3] }], userData: null });
      const synced = await call(SyncGroup, sv, (q) => {
        q.groupId = group;
        q.generationId = 1;
        q.memberId = joined.memberId;
        q.protocolType = 'consumer';
        q.protocolName = 'range';
        q.assignments = [{ memberId: joined.memberId, assignment }];
      }, c);
      assert.equal(synced.errorCode, ErrorCode.NONE);
      assert.deepEqual(synced.assignment, assignment);
      assert.equal(synced.protocolName, sv >= 5 ? 'range' : null);

      const hv = Math.min(v, 4);
      const beat = (generationId: number, memberId = joined.memberId) => call(Heartbeat, hv, (q) => {
        q.groupId = group;
        q.generationId = generationId;
        q.memberId = memberId;
      }, c);
      assert.equal((await beat(1)).errorCode, ErrorCode.NONE);
      assert.equal((await beat(0)).errorCode, ErrorCode.ILLEGAL_GENERATION);
      assert.equal((await beat(1, 'stranger')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

      const described = await call(DescribeGroups, Math.min(v, 5), (q) => { q.groups = [group, 'no-such-group']; }, c);
      const [d, missing] = described.groups;
      assert.deepEqual([d?.errorCode, d?.groupState, d?.protocolType, d?.protocolData], [ErrorCode.NONE, 'Stable', 'consumer', 'range']);
      assert.deepEqual(d?.members.map((m) => [m.memberId, m.clientId, m.clientHost]), [[joined.memberId, 'protocol-test', '/127.0.0.1']]);
      assert.deepEqual(d?.members[0]?.memberAssignment, assignment);
      assert.deepEqual(d?.members[0]?.memberMetadata, subscription);
      assert.deepEqual([missing?.errorCode, missing?.groupState], [ErrorCode.NONE, 'Dead']);

      const lv = Math.min(v, 5);
      const left = await call(LeaveGroup, lv, (q) => {
        q.groupId = group;
        q.memberId = joined.memberId;
        q.members = [{ memberId: joined.memberId, groupInstanceId: null, reason: 'test done' }];
      }, c);
      assert.equal(left.errorCode, ErrorCode.NONE);
      if (lv >= 3) assert.deepEqual(left.members.map((m) => [m.memberId, m.errorCode]), [[joined.memberId, ErrorCode.NONE]]);
      assert.equal(tb.broker.context.coordinator.summary(group)?.state, 'Empty');
      const again = await call(LeaveGroup, lv, (q) => {
        q.groupId = group;
        q.memberId = joined.memberId;
        q.members = [{ memberId: joined.memberId, groupInstanceId: null, reason: null }];
      }, c);
      if (lv >= 3) assert.equal(again.members[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      else assert.equal(again.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'v0-2 report the member error at the top');
    } finally {
      c.close();
    }
  }
});

test('bad joins: empty group id, session timeout out of range, unknown member id, mixed protocols', async () => {
  const join = (fill: Partial<ReturnType<typeof JoinGroup.request.zero>>) => call(JoinGroup, 5, (q) => {
    Object.assign(q, { groupId: 'bad', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscription }] }, fill);
  });
  assert.equal((await join({ groupId: '' })).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal((await join({ sessionTimeoutMs: 1000 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await join({ sessionTimeoutMs: 3_600_000 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal((await join({ groupId: 'never-seen', memberId: 'stale-id' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);

  // A stable librdkafka-style group; a kafkajs-style member ("RoundRobinAssigner") cannot join it.
  const first = await join({ groupInstanceId: 'static-1' });
  assert.equal(first.errorCode, ErrorCode.NONE);
  const mixed = await join({ protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.alloc(0) }] });
  assert.equal(mixed.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const wrongType = await call(SyncGroup, 5, (q) => {
    q.groupId = 'bad';
    q.generationId = first.generationId;
    q.memberId = first.memberId;
    q.protocolType = 'connect';
  });
  assert.equal(wrongType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  // A second process with the same instance id fences the first.
  const takeover = await join({ groupInstanceId: 'static-1' });
  assert.equal(takeover.errorCode, ErrorCode.NONE);
  const fenced = await call(Heartbeat, 4, (q) => {
    q.groupId = 'bad';
    q.generationId = first.generationId;
    q.memberId = first.memberId;
    q.groupInstanceId = 'static-1';
  });
  assert.equal(fenced.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  const removed = await call(LeaveGroup, 5, (q) => {
    q.groupId = 'bad';
    q.members = [{ memberId: '', groupInstanceId: 'static-1', reason: null }];
  });
  assert.equal(removed.members[0]?.errorCode, ErrorCode.NONE);
});

function commitBody(q: ReturnType<typeof OffsetCommit.request.zero>, group: string, offsets: [number, number, string | null][], generation = -1, memberId = ''): void {
  q.groupId = group;
  q.generationIdOrMemberEpoch = generation;
  q.memberId = memberId;
  q.topics = [{ name: TOPIC, partitions: offsets.map(([partitionIndex, committedOffset, committedMetadata]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: 4, committedMetadata })) }];
}

async function fetchOffsets(group: string, version: number, partitions: number[] | null): Promise<[number, number, string | null, number, number][]> {
  const r = await call(OffsetFetch, version, (q) => {
    const topics = partitions === null ? null : [{ name: TOPIC, partitionIndexes: partitions }];
    if (version >= 8) q.groups = [{ groupId: group, memberId: null, memberEpoch: -1, topics }];
    else {
      q.groupId = group;
      q.topics = topics;
    }
  });
  const topics = version >= 8 ? r.groups[0]?.topics ?? [] : r.topics;
  return topics.flatMap((t) => t.partitions.map((p): [number, number, string | null, number, number] => [p.partitionIndex, p.committedOffset, p.metadata, p.committedLeaderEpoch, p.errorCode]));
}

test('offsets with metadata round-trip through every OffsetCommit and OffsetFetch version', async () => {
  for (let cv = 2; cv <= 9; cv++) {
    const group = `simple-v${cv}`;
    const res = await call(OffsetCommit, cv, (q) => commitBody(q, group, [[0, 100 + cv, `meta-${cv} ✓`], [1, 5, null]]));
    assert.deepEqual(res.topics[0]?.partitions.map((p) => p.errorCode), [0, 0], `commit v${cv}`);
    for (let fv = 1; fv <= 9; fv++) {
      const epoch = (v: number) => (v >= 5 && cv >= 6 ? 4 : -1);
      assert.deepEqual(await fetchOffsets(group, fv, [0, 1, 2]), [
        [0, 100 + cv, `meta-${cv} ✓`, epoch(fv), 0],
        [1, 5, '', epoch(fv), 0],
        [2, -1, '', -1, 0],
      ], `commit v${cv} fetch v${fv}`);
    }
    assert.deepEqual((await fetchOffsets(group, 2, null)).map((x) => x[0]), [0, 1], 'null topics: everything committed');
  }
  // Several groups in one v8 request.
  const multi = await call(OffsetFetch, 8, (q) => {
    q.groups = ['simple-v2', 'simple-v3', 'nobody'].map((groupId) => ({ groupId, memberId: null, memberEpoch: -1, topics: [{ name: TOPIC, partitionIndexes: [0] }] }));
  });
  assert.deepEqual(multi.groups.map((g) => [g.groupId, g.topics[0]?.partitions[0]?.committedOffset]), [['simple-v2', 102], ['simple-v3', 103], ['nobody', -1]]);

  const bad = await call(OffsetCommit, 8, (q) => {
    commitBody(q, 'simple-bad', [[0, 1, 'x'.repeat(5000)], [9, 1, null], [2, 7, null]]);
    q.topics.push({ name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] });
  });
  assert.deepEqual(bad.topics.map((t) => t.partitions.map((p) => p.errorCode)), [
    [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NONE],
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
  ]);
  const stale = await call(OffsetCommit, 8, (q) => commitBody(q, 'never-existed', [[0, 1, null]], 3, 'someone'));
  assert.equal(stale.topics[0]?.partitions[0]?.errorCode, ErrorCode.ILLEGAL_GENERATION);
});

test('a broker restart keeps committed offsets (with and without a group) and the group membership', async () => {
  const group = 'survivor';
  const c = await RawClient.connect(tb.bootstrap);
  const join = (memberId: string) => call(JoinGroup, 9, (q) => {
    q.groupId = group;
    q.sessionTimeoutMs = 30_000;
    q.rebalanceTimeoutMs = 30_000;
    q.memberId = memberId;
    q.protocolType = 'consumer';
    q.protocols = [{ name: 'range', metadata: subscription }];
  }, c);
  const joined = await join((await join('')).memberId);
  const assignment = encodeAssignment({ assignedPartitions: [{ topic: TOPIC, partitions: [0, 1, 2, 3] }], userData: null });
  await call(SyncGroup, 5, (q) => {
    q.groupId = group;
    q.generationId = joined.generationId;
    q.memberId = joined.memberId;
    q.assignments = [{ memberId: joined.memberId, assignment }];
  }, c);
  const committed = await call(OffsetCommit, 9, (q) => commitBody(q, group, [[0, 42, 'm0'], [3, 7, 'm3']], joined.generationId, joined.memberId), c);
  assert.deepEqual(committed.topics[0]?.partitions.map((p) => p.errorCode), [0, 0]);
  c.close();
  await call(OffsetCommit, 7, (q) => commitBody(q, 'groupless', [[2, 99, 'standalone']]));

  await tb.restart();

  assert.deepEqual(await fetchOffsets(group, 7, [0, 3]), [[0, 42, 'm0', 4, 0], [3, 7, 'm3', 4, 0]]);
  assert.deepEqual(await fetchOffsets('groupless', 7, null), [[2, 99, 'standalone', 4, 0]]);
  // The member carries on where it was, without rejoining.
  const beat = await call(Heartbeat, 4, (q) => {
    q.groupId = group;
    q.generationId = joined.generationId;
    q.memberId = joined.memberId;
  });
  assert.equal(beat.errorCode, ErrorCode.NONE);
  const d = (await call(DescribeGroups, 5, (q) => { q.groups = [group]; })).groups[0];
  assert.equal(d?.groupState, 'Stable');
  assert.deepEqual(d?.members[0]?.memberAssignment, assignment);

  // The dashboard's view: committed offset against the high watermark.
  const p0 = tb.broker.context.topics.partition(TOPIC, 0);
  assert.ok(p0);
  for (let i = 0; i < 5; i++) p0.log.append(buildRecordBatch({ records: Array.from({ length: 10 }, (_, j) => ({ value: `r${i}-${j}` })) }));
  const lag = tb.broker.context.coordinator.groupLag(group);
  assert.equal(lag?.state, 'Stable');
  assert.deepEqual(lag?.partitions.map((p) => [p.partition, p.committedOffset, p.highWatermark, p.lag, p.memberId]), [
    [0, 42, 50, 8, joined.memberId],
    [1, null, 0, null, joined.memberId],
    [2, null, 0, null, joined.memberId],
    [3, 7, 0, 0, joined.memberId],
  ]);
  assert.equal(lag?.totalLag, 8);
  assert.deepEqual(tb.broker.context.coordinator.describeGroup(group)?.members[0]?.assignment, [{ topic: TOPIC, partitions: [0, 1, 2, 3] }]);
  assert.deepEqual(tb.broker.context.coordinator.describeGroup(group)?.members[0]?.subscribedTopics, [TOPIC]);

  await call(LeaveGroup, 5, (q) => {
    q.groupId = group;
    q.members = [{ memberId: joined.memberId, groupInstanceId: null, reason: null }];
  });
});

test('acknowledged commits survive kill -9 of the broker process', async () => {
  const dir = tempDir('buzzline-groups-crash-');
  try {
    let broker = await spawnBroker(dir);
    // Metadata auto-creates the topic (3 partitions by default).
    await call(Metadata, 9, (q) => { q.topics = [{ topicId: ZERO_UUID, name: 'crash_topic' }]; q.allowAutoTopicCreation = true; }, undefined, broker.bootstrap);
    for (let i = 1; i <= 50; i++) {
      const r = await call(OffsetCommit, 8, (q) => {
        q.groupId = 'crash-group';
        q.generationIdOrMemberEpoch = -1;
        q.topics = [{ name: 'crash_topic', partitions: [{ partitionIndex: i % 3, committedOffset: i, committedLeaderEpoch: -1, committedMetadata: `commit ${i}` }] }];
      }, undefined, broker.bootstrap);
      assert.equal(r.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    }
    broker.child.kill('SIGKILL');
    await broker.exited;
    broker = await spawnBroker(dir);
    const fetched = await call(OffsetFetch, 7, (q) => {
      q.groupId = 'crash-group';
      q.topics = null;
    }, undefined, broker.bootstrap);
    assert.deepEqual(fetched.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]), [[0, 48, 'commit 48'], [1, 49, 'commit 49'], [2, 50, 'commit 50']]);
    broker.child.kill('SIGTERM');
    await broker.exited;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ListGroups, DeleteGroups and OffsetDelete', async () => {
  const listed = async (v: number, states: string[] = []) => (await call(ListGroups, v, (q) => { q.statesFilter = states; })).groups;
  for (let v = 0; v <= 5; v++) {
    const groups = await listed(v);
    const survivor = groups.find((g) => g.groupId === 'survivor');
    assert.equal(survivor?.protocolType, 'consumer', `v${v}`);
    assert.equal(survivor.groupState, v >= 4 ? 'Empty' : '');
    assert.equal(groups.find((g) => g.groupId === 'groupless')?.protocolType, '', 'offsets only: no protocol type');
  }
  assert.ok((await listed(4, ['stable'])).every((g) => g.groupState === 'Stable'));
  assert.deepEqual((await call(ListGroups, 5, (q) => { q.typesFilter = ['consumer']; })).groups, []);

  // A group with members cannot be deleted, and its subscribed topics' offsets are pinned.
  const c = await RawClient.connect(tb.bootstrap);
  const join = (memberId: string) => call(JoinGroup, 9, (q) => {
    q.groupId = 'busy';
    q.sessionTimeoutMs = 30_000;
    q.rebalanceTimeoutMs = 30_000;
    q.memberId = memberId;
    q.protocolType = 'consumer';
    q.protocols = [{ name: 'range', metadata: subscription }];
  }, c);
  const busy = await join((await join('')).memberId);
  await call(SyncGroup, 5, (q) => {
    q.groupId = 'busy';
    q.generationId = busy.generationId;
    q.memberId = busy.memberId;
  }, c);
  await call(OffsetCommit, 9, (q) => commitBody(q, 'busy', [[0, 1, null]], busy.generationId, busy.memberId), c);
  c.close();
  const deleted = await call(DeleteGroups, 2, (q) => { q.groupsNames = ['busy', 'groupless', 'not-a-group']; });
  assert.deepEqual(deleted.results.map((r) => [r.groupId, r.errorCode]), [
    ['busy', ErrorCode.NON_EMPTY_GROUP],
    ['groupless', ErrorCode.NONE],
    ['not-a-group', ErrorCode.GROUP_ID_NOT_FOUND],
  ]);
  assert.deepEqual(await fetchOffsets('groupless', 7, null), []);
  const pinned = await call(OffsetDelete, 0, (q) => {
    q.groupId = 'busy';
    q.topics = [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }];
  });
  assert.equal(pinned.topics[0]?.partitions[0]?.errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
  const removed = await call(OffsetDelete, 0, (q) => {
    q.groupId = 'survivor';
    q.topics = [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }];
  });
  assert.deepEqual([removed.errorCode, removed.topics[0]?.partitions[0]?.errorCode], [0, 0]);
  assert.deepEqual((await fetchOffsets('survivor', 7, null)).map((x) => x[0]), [3]);
  const unknown = await call(OffsetDelete, 0, (q) => { q.groupId = 'not-a-group'; });
  assert.equal(unknown.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
});

test('deleting a topic deletes the committed offsets for it, so a new topic of that name starts clean', async () => {
  tb.broker.context.topics.create('doomed', 2);
  const commit = await call(OffsetCommit, 8, (q) => {
    q.groupId = 'doomed-readers';
    q.generationIdOrMemberEpoch = -1;
    q.topics = [
      { name: 'doomed', partitions: [0, 1].map((partitionIndex) => ({ partitionIndex, committedOffset: 500, committedLeaderEpoch: -1, committedMetadata: null })) },
      { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: null }] },
    ];
  });
  assert.deepEqual(commit.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)), [0, 0, 0]);
  const deleted = await call(DeleteTopics, 4, (q) => { q.topicNames = ['doomed']; q.timeoutMs = 5000; });
  assert.equal(deleted.responses[0]?.errorCode, ErrorCode.NONE);
  tb.broker.context.topics.create('doomed', 2);
  const fetched = await call(OffsetFetch, 7, (q) => {
    q.groupId = 'doomed-readers';
    q.topics = null;
  });
  assert.deepEqual(fetched.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)]), [[TOPIC, [3]]]);
});

async function produce(producerId: number, epoch: number, baseSequence: number, count: number, partition = 1): Promise<{ errorCode: number; baseOffset: number }> {
  const r = await call(Produce, 9, (q) => {
    q.acks = -1;
    q.timeoutMs = 5000;
    q.topicData = [{
      name: TOPIC,
      partitionData: [{ index: partition, records: buildRecordBatch({ producerId, producerEpoch: epoch, baseSequence, records: Array.from({ length: count }, (_, i) => ({ value: `s${baseSequence + i}` })) }) }],
    }];
  });
  const p = r.responses[0]?.partitionResponses[0];
  return { errorCode: p?.errorCode ?? -99, baseOffset: p?.baseOffset ?? -99 };
}

test('idempotent produce: retries are acknowledged once, gaps refused, and the state survives restarts', async () => {
  const ids: number[] = [];
  for (let v = 0; v <= 5; v++) {
    const r = await call(InitProducerId, v, (q) => {
      q.transactionalId = null;
      q.transactionTimeoutMs = 60_000;
      q.producerId = -1;
      q.producerEpoch = -1;
    });
    assert.deepEqual([r.errorCode, r.producerEpoch], [ErrorCode.NONE, 0], `v${v}`);
    ids.push(r.producerId);
  }
  assert.equal(new Set(ids).size, ids.length, 'every producer gets its own id');
  const txn = await call(InitProducerId, 4, (q) => {
    q.transactionalId = 'tx-1';
    q.transactionTimeoutMs = 60_000;
  });
  assert.equal(txn.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);

  const pid = ids[0] as number;
  const end = () => tb.broker.context.topics.partition(TOPIC, 1)?.log.logEndOffset;
  assert.deepEqual(await produce(pid, 0, 0, 3), { errorCode: 0, baseOffset: 0 });
  assert.deepEqual(await produce(pid, 0, 3, 2), { errorCode: 0, baseOffset: 3 });
  assert.deepEqual(await produce(pid, 0, 0, 3), { errorCode: 0, baseOffset: 0 }, 'duplicate');
  assert.equal(end(), 5, 'duplicate not appended');
  assert.equal((await produce(pid, 0, 6, 1)).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);

  await tb.restart();
  assert.deepEqual(await produce(pid, 0, 3, 2), { errorCode: 0, baseOffset: 3 }, 'duplicate after a clean restart');
  assert.deepEqual(await produce(pid, 0, 5, 1), { errorCode: 0, baseOffset: 5 });
  const fresh = await call(InitProducerId, 5, (q) => { q.transactionalId = null; });
  assert.ok(!ids.includes(fresh.producerId), 'ids are not reused after a restart');
  assert.equal(end(), 6);
});
