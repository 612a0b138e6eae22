// OffsetCommit (key 8), versions 2-9. Flexible from v8.
// - v2-4 carry retentionTimeMs (-1 = broker default); v5 drops it, retention is broker config only.
// - v6 adds committedLeaderEpoch per partition, for fencing.
// - v7 adds groupInstanceId (static membership).
// - v9 is the first version usable with the KIP-848 consumer protocol; the body is the same as v8, and
//   generationIdOrMemberEpoch holds the member epoch there.
// Versions 0-1 (ZooKeeper-era, per-partition commit timestamps) are not supported.

import { api } from '../api.ts';
import { array, f, int16, int32, int64, message, nullable, string, struct } from '../schema.ts';

export const OffsetCommitRequest = message({
  apiKey: 8,
  name: 'OffsetCommitRequest',
  validVersions: '2-9',
  flexibleVersions: '8+',
  fields: {
    groupId: f(string, '0+'),
    generationIdOrMemberEpoch: f(int32, '1+', { default: -1 }),
    memberId: f(string, '1+'),
    groupInstanceId: f(nullable(string), '7+', { default: null }),
    retentionTimeMs: f(int64, '2-4', { default: -1 }),
    topics: f(array(struct({
      name: f(string, '0+'),
      partitions: f(array(struct({
        partitionIndex: f(int32, '0+'),
        committedOffset: f(int64, '0+'),
        committedLeaderEpoch: f(int32, '6+', { default: -1 }),
        committedMetadata: f(nullable(string), '0+'),
      })), '0+'),
    })), '0+'),
  },
});

export const OffsetCommitResponse = message({
  apiKey: 8,
  name: 'OffsetCommitResponse',
  validVersions: '2-9',
  flexibleVersions: '8+',
  fields: {
    throttleTimeMs: f(int32, '3+'),
    topics: f(array(struct({
      name: f(string, '0+'),
      partitions: f(array(struct({
        partitionIndex: f(int32, '0+'),
        errorCode: f(int16, '0+'),
      })), '0+'),
    })), '0+'),
  },
});

export const OffsetCommit = api(OffsetCommitRequest, OffsetCommitResponse);
