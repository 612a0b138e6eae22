// OffsetCommit (key 8), versions 2-9.
// - Members of a managed group commit with their generation and member id (ILLEGAL_GENERATION,
//   UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID and REBALANCE_IN_PROGRESS as Kafka answers them); a commit with
//   generation -1 and no member id is for consumers without group management and creates the group.
// - Per partition: UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist, OFFSET_METADATA_TOO_LARGE
//   over 4096 bytes of metadata; null metadata is stored as "".
// - The commit is durable (written before the answer) and survives restarts. v2-4 retentionTimeMs is
//   ignored: offsets of empty groups expire after the broker's retention, as in Kafka since 2.1.
// - v6+ committedLeaderEpoch is stored and returned by OffsetFetch; v7+ groupInstanceId.

import { OffsetCommit } from '../../protocol/messages/08-offset-commit.ts';
import { defineHandler } from '../registry.ts';

export const offsetCommitHandler = defineHandler({
  api: OffsetCommit,
  minVersion: 2,
  maxVersion: 9,
  handle(req, { broker, header }) {
    const v = header.apiVersion;
    const res = OffsetCommit.response.zero();
    res.topics = broker.coordinator.commitOffsets(
      req.groupId,
      req.memberId,
      v >= 7 ? req.groupInstanceId : null,
      req.generationIdOrMemberEpoch,
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
          committedMetadata: p.committedMetadata,
        })),
      })),
    );
    return res;
  },
});
