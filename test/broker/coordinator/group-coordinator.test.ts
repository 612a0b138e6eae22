// Coordinator housekeeping: offsets of empty groups expire after the retention, counted from when the
// group became empty (or from the commit for groups that never had members); emptied groups go away.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, test } from 'node:test';
import pino from 'pino';
import { GroupCoordinator, OFFSETS_RETENTION_MS } from '../../../src/broker/coordinator/group-coordinator.ts';
import { TopicStore } from '../../../src/broker/topic-store.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { tempDir } from '../../helpers/broker.ts';

const dir = tempDir('buzzline-coordinator-');
const topics = TopicStore.open(dir);
topics.create('t', 2);
const coordinator = GroupCoordinator.open({
  dataDir: dir,
  topics,
  logger: pino({ level: 'silent' }),
  config: { minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 60_000, initialRebalanceDelayMs: 0 },
});
after(() => {
  coordinator.close();
  topics.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const commit = (group: string, offset: number, generation = -1, memberId = '') =>
  coordinator.commitOffsets(group, memberId, null, generation, [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }]);

test('offsets expire after the retention and the emptied groups are removed', async () => {
  const start = Date.now();
  assert.equal(commit('standalone', 5)[0]?.partitions[0]?.errorCode, ErrorCode.NONE);

  // A managed group: one member joins, commits, leaves; its offsets are kept for the retention from then.
  const first = await coordinator.join('managed', {
    memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1', sessionTimeoutMs: 6000, rebalanceTimeoutMs: 6000,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], requireKnownMemberId: false, supportSkippingAssignment: false,
  });
  assert.equal(first.errorCode, ErrorCode.NONE);
  await coordinator.sync('managed', { memberId: first.memberId, groupInstanceId: null, generationId: first.generationId, protocolType: null, protocolName: null, assignments: [] });
  assert.equal(commit('managed', 7, first.generationId, first.memberId)[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  assert.equal(commit('managed', 8)[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'a group with members only takes its members\' commits');
  assert.deepEqual(coordinator.leave('managed', [{ memberId: first.memberId, groupInstanceId: null }]).members.map((m) => m.errorCode), [ErrorCode.NONE]);

  coordinator.cleanup(start + OFFSETS_RETENTION_MS - 60_000);
  assert.deepEqual(coordinator.listGroups().map((g) => g.groupId), ['managed', 'standalone']);
  coordinator.cleanup(Date.now() + OFFSETS_RETENTION_MS);
  assert.deepEqual(coordinator.listGroups(), []);
  assert.deepEqual(coordinator.fetchOffsets('managed', null), []);
  assert.deepEqual(coordinator.fetchOffsets('standalone', [{ name: 't', partitionIndexes: [0] }])[0]?.partitions[0]?.committedOffset, -1);
});
