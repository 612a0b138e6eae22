// ListOffsets (key 2), versions 0-8. Flexible from v6.
// v0 (deprecated, still sent by old lag monitors) asks for up to maxNumOffsets offsets per partition and
// is answered with the oldStyleOffsets array; v1 replaced both with one (timestamp, offset) pair.
// v2 adds isolationLevel and throttleTimeMs; v4 adds currentLeaderEpoch / leaderEpoch; v6 is the first
// flexible version; v7 allows timestamp -3 (max timestamp) and v8 allows -4 (earliest local), both only
// new values of an existing field. v10's timeoutMs is out of range and omitted.

import { api } from '../api.ts';
import { array, f, int16, int32, int64, int8, message, string, struct } from '../schema.ts';

export const ListOffsetsRequest = message({
  apiKey: 2,
  name: 'ListOffsetsRequest',
  validVersions: '0-8',
  flexibleVersions: '6+',
  fields: {
    replicaId: f(int32, '0+'),
    isolationLevel: f(int8, '2+'),
    topics: f(array(struct({
      name: f(string, '0+'),
      partitions: f(array(struct({
        partitionIndex: f(int32, '0+'),
        currentLeaderEpoch: f(int32, '4+', { default: -1 }),
        timestamp: f(int64, '0+'),
        maxNumOffsets: f(int32, '0', { default: 1 }),
      })), '0+'),
    })), '0+'),
  },
});

export const ListOffsetsResponse = message({
  apiKey: 2,
  name: 'ListOffsetsResponse',
  validVersions: '0-8',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: f(int32, '2+'),
    topics: f(array(struct({
      name: f(string, '0+'),
      partitions: f(array(struct({
        partitionIndex: f(int32, '0+'),
        errorCode: f(int16, '0+'),
        oldStyleOffsets: f(array(int64), '0'),
        timestamp: f(int64, '1+', { default: -1 }),
        offset: f(int64, '1+', { default: -1 }),
        leaderEpoch: f(int32, '4+', { default: -1 }),
      })), '0+'),
    })), '0+'),
  },
});

export const ListOffsets = api(ListOffsetsRequest, ListOffsetsResponse);
