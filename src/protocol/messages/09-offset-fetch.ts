// OffsetFetch (key 9), versions 1-9. Flexible from v6.
// - v1 reads offsets from the __consumer_offsets log (v0, the ZooKeeper variant, is not supported).
// - v2+ accept a null topics array meaning "every topic the group has offsets for", and the response gains
//   a top-level errorCode for group/coordinator errors.
// - v3 adds throttleTimeMs; v5 adds committedLeaderEpoch; v7 adds requireStable.
// - v8+ batch several groups: the request's groupId/topics and the response's topics/errorCode move into a
//   groups array, each with its own error code.
// - v9 adds memberId/memberEpoch per group for the KIP-848 consumer protocol.

import { api } from '../api.ts';
import { array, bool, f, int16, int32, int64, message, nullable, string, struct } from '../schema.ts';

export const OffsetFetchRequest = message({
  apiKey: 9,
  name: 'OffsetFetchRequest',
  validVersions: '1-9',
  flexibleVersions: '6+',
  fields: {
    groupId: f(string, '0-7'),
    // Null only from v2; the default is an empty list so a zero value still encodes in v1.
    topics: f(nullable(array(struct({
      name: f(string, '0-7'),
      partitionIndexes: f(array(int32), '0-7'),
    }))), '0-7', { default: [] }),
    groups: f(array(struct({
      groupId: f(string, '8+'),
      memberId: f(nullable(string), '9+', { default: null }),
      memberEpoch: f(int32, '9+', { default: -1 }),
      topics: f(nullable(array(struct({
        name: f(string, '8+'),
        partitionIndexes: f(array(int32), '8+'),
      }))), '8+'),
    })), '8+'),
    requireStable: f(bool, '7+', { default: false }),
  },
});

export const OffsetFetchResponse = message({
  apiKey: 9,
  name: 'OffsetFetchResponse',
  validVersions: '1-9',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: f(int32, '3+'),
    topics: f(array(struct({
      name: f(string, '0-7'),
      partitions: f(array(struct({
        partitionIndex: f(int32, '0-7'),
        committedOffset: f(int64, '0-7'),
        committedLeaderEpoch: f(int32, '5-7', { default: -1 }),
        metadata: f(nullable(string), '0-7'),
        errorCode: f(int16, '0-7'),
      })), '0-7'),
    })), '0-7'),
    errorCode: f(int16, '2-7', { default: 0 }),
    groups: f(array(struct({
      groupId: f(string, '8+'),
      topics: f(array(struct({
        name: f(string, '8+'),
        partitions: f(array(struct({
          partitionIndex: f(int32, '8+'),
          committedOffset: f(int64, '8+'),
          committedLeaderEpoch: f(int32, '8+', { default: -1 }),
          metadata: f(nullable(string), '8+'),
          errorCode: f(int16, '8+'),
        })), '8+'),
      })), '8+'),
      errorCode: f(int16, '8+', { default: 0 }),
    })), '8+'),
  },
});

export const OffsetFetch = api(OffsetFetchRequest, OffsetFetchResponse);
