// InitProducerId (key 22), versions 0-5. Flexible from v2.
// Idempotent producers send a null transactionalId and get a fresh producer id with epoch 0.
// - v3 adds producerId/producerEpoch to the request so a producer can bump its epoch after
//   INVALID_PRODUCER_EPOCH instead of starting over (-1/-1 asks for a new id).
// - v4 allows the PRODUCER_FENCED error; v5 allows TRANSACTION_ABORTABLE (KIP-890). Bodies are unchanged.

import { api } from '../api.ts';
import { f, int16, int32, int64, message, nullable, string } from '../schema.ts';

export const InitProducerIdRequest = message({
  apiKey: 22,
  name: 'InitProducerIdRequest',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: {
    transactionalId: f(nullable(string), '0+'),
    transactionTimeoutMs: f(int32, '0+'),
    producerId: f(int64, '3+', { default: -1 }),
    producerEpoch: f(int16, '3+', { default: -1 }),
  },
});

export const InitProducerIdResponse = message({
  apiKey: 22,
  name: 'InitProducerIdResponse',
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: f(int32, '0+'),
    errorCode: f(int16, '0+'),
    producerId: f(int64, '0+', { default: -1 }),
    producerEpoch: f(int16, '0+'),
  },
});

export const InitProducerId = api(InitProducerIdRequest, InitProducerIdResponse);
