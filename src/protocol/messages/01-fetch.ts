// Fetch (key 1), versions 4-16. Flexible from v12.
// v4 is the floor: first version with isolationLevel, lastStableOffset and abortedTransactions, i.e. the
// first that returns RecordBatch payloads with transactional semantics.
// v5 adds logStartOffset; v7 adds incremental fetch sessions (sessionId/sessionEpoch,
// forgottenTopicsData); v9 adds currentLeaderEpoch; v11 adds rackId and preferredReadReplica; v12 adds
// lastFetchedEpoch and the tagged clusterId / divergingEpoch / currentLeader / snapshotId; v13 replaces
// topic names with topic ids; v15 moves replicaId into the tagged replicaState; v16 adds the tagged
// nodeEndpoints. v17 (replicaDirectoryId) is out of range and omitted.

import { api } from '../api.ts';
import {
  array, f, int16, int32, int64, int8, message, nullable, records, string, struct, uuid,
} from '../schema.ts';

export const FetchRequest = message({
  apiKey: 1,
  name: 'FetchRequest',
  validVersions: '4-16',
  flexibleVersions: '12+',
  fields: {
    clusterId: f(nullable(string), '12+', { tag: 0, default: null }),
    replicaId: f(int32, '0-14', { default: -1 }),
    replicaState: f(struct({
      replicaId: f(int32, '15+', { default: -1 }),
      replicaEpoch: f(int64, '15+', { default: -1 }),
    }), '15+', { tag: 1 }),
    maxWaitMs: f(int32, '0+'),
    minBytes: f(int32, '0+'),
    maxBytes: f(int32, '3+', { default: 0x7fffffff }),
    isolationLevel: f(int8, '4+', { default: 0 }),
    sessionId: f(int32, '7+', { default: 0 }),
    sessionEpoch: f(int32, '7+', { default: -1 }),
    topics: f(array(struct({
      topic: f(string, '0-12'),
      topicId: f(uuid, '13+'),
      partitions: f(array(struct({
        partition: f(int32, '0+'),
        currentLeaderEpoch: f(int32, '9+', { default: -1 }),
        fetchOffset: f(int64, '0+'),
        lastFetchedEpoch: f(int32, '12+', { default: -1 }),
        logStartOffset: f(int64, '5+', { default: -1 }),
        partitionMaxBytes: f(int32, '0+'),
      })), '0+'),
    })), '0+'),
    forgottenTopicsData: f(array(struct({
      topic: f(string, '7-12'),
      topicId: f(uuid, '13+'),
      partitions: f(array(int32), '7+'),
    })), '7+'),
    rackId: f(string, '11+', { default: '' }),
  },
});

export const FetchResponse = message({
  apiKey: 1,
  name: 'FetchResponse',
  validVersions: '4-16',
  flexibleVersions: '12+',
  fields: {
    throttleTimeMs: f(int32, '1+'),
    errorCode: f(int16, '7+'),
    sessionId: f(int32, '7+', { default: 0 }),
    responses: f(array(struct({
      topic: f(string, '0-12'),
      topicId: f(uuid, '13+'),
      partitions: f(array(struct({
        partitionIndex: f(int32, '0+'),
        errorCode: f(int16, '0+'),
        highWatermark: f(int64, '0+'),
        lastStableOffset: f(int64, '4+', { default: -1 }),
        logStartOffset: f(int64, '5+', { default: -1 }),
        divergingEpoch: f(struct({
          epoch: f(int32, '12+', { default: -1 }),
          endOffset: f(int64, '12+', { default: -1 }),
        }), '12+', { tag: 0 }),
        currentLeader: f(struct({
          leaderId: f(int32, '12+', { default: -1 }),
          leaderEpoch: f(int32, '12+', { default: -1 }),
        }), '12+', { tag: 1 }),
        snapshotId: f(struct({
          endOffset: f(int64, '0+', { default: -1 }),
          epoch: f(int32, '0+', { default: -1 }),
        }), '12+', { tag: 2 }),
        abortedTransactions: f(nullable(array(struct({
          producerId: f(int64, '4+'),
          firstOffset: f(int64, '4+'),
        }))), '4+'),
        preferredReadReplica: f(int32, '11+', { default: -1 }),
        records: f(records, '0+'),
      })), '0+'),
    })), '0+'),
    nodeEndpoints: f(array(struct({
      nodeId: f(int32, '16+'),
      host: f(string, '16+'),
      port: f(int32, '16+'),
      rack: f(nullable(string), '16+', { default: null }),
    })), '16+', { tag: 0 }),
  },
});

export const Fetch = api(FetchRequest, FetchResponse);
