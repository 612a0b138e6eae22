// Produce (key 0), versions 3-11. Flexible from v9.
// v3 is the floor: it is the first version that carries RecordBatch (magic v2) payloads and a
// transactional id, and every client we care about speaks it.
// v4 may answer KAFKA_STORAGE_ERROR; v5 adds logStartOffset to partition responses; v7 allows zstd
// batches; v8 adds per-batch recordErrors and errorMessage; v10 adds the tagged currentLeader (per
// partition) and nodeEndpoints (top level) that let a client redirect after NOT_LEADER_OR_FOLLOWER
// without a metadata round trip; v11 may answer TRANSACTION_ABORTABLE. Neither v7 nor v11 changes the
// wire layout.

import { api } from '../api.ts';
import { array, f, int16, int32, int64, message, nullable, records, string, struct } from '../schema.ts';

export const ProduceRequest = message({
  apiKey: 0,
  name: 'ProduceRequest',
  validVersions: '3-11',
  flexibleVersions: '9+',
  fields: {
    transactionalId: f(nullable(string), '3+', { default: null }),
    acks: f(int16, '0+'),
    timeoutMs: f(int32, '0+'),
    topicData: f(array(struct({
      name: f(string, '0+'),
      partitionData: f(array(struct({
        index: f(int32, '0+'),
        records: f(records, '0+'),
      })), '0+'),
    })), '0+'),
  },
});

export const ProduceResponse = message({
  apiKey: 0,
  name: 'ProduceResponse',
  validVersions: '3-11',
  flexibleVersions: '9+',
  fields: {
    responses: f(array(struct({
      name: f(string, '0+'),
      partitionResponses: f(array(struct({
        index: f(int32, '0+'),
        errorCode: f(int16, '0+'),
        baseOffset: f(int64, '0+'),
        logAppendTimeMs: f(int64, '2+', { default: -1 }),
        logStartOffset: f(int64, '5+', { default: -1 }),
        recordErrors: f(array(struct({
          batchIndex: f(int32, '8+'),
          batchIndexErrorMessage: f(nullable(string), '8+', { default: null }),
        })), '8+'),
        errorMessage: f(nullable(string), '8+', { default: null }),
        currentLeader: f(struct({
          leaderId: f(int32, '10+', { default: -1 }),
          leaderEpoch: f(int32, '10+', { default: -1 }),
        }), '10+', { tag: 0 }),
      })), '0+'),
    })), '0+'),
    throttleTimeMs: f(int32, '1+', { default: 0 }),
    nodeEndpoints: f(array(struct({
      nodeId: f(int32, '10+'),
      host: f(string, '10+'),
      port: f(int32, '10+'),
      rack: f(nullable(string), '10+', { default: null }),
    })), '10+', { tag: 0 }),
  },
});

export const Produce = api(ProduceRequest, ProduceResponse);
