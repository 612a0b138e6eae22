// InitProducerId (key 22), versions 0-5. Gives an idempotent producer a new producer id with epoch 0;
// ids are never reused, not even across a crash (coordinator/producer-ids.ts).
// - v3+ may carry the current producerId/epoch to bump the epoch (KIP-360); without a transactional id
//   Kafka answers that with a fresh id too, and so do we.
// - Transactions are not supported: a transactional id is declined with
//   TRANSACTIONAL_ID_AUTHORIZATION_FAILED. librdkafka treats that as fatal and fails init_transactions at
//   once, whereas it retries INVALID_REQUEST or UNSUPPORTED_VERSION for its whole timeout (measured with
//   librdkafka 2.0.2); the Java client and kafkajs give up on it at once too. The response has no message
//   field, so the reason is in the broker's log.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { InitProducerId } from '../../protocol/messages/22-init-producer-id.ts';
import { defineHandler } from '../registry.ts';

export const initProducerIdHandler = defineHandler({
  api: InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  handle(req, { broker, header }) {
    const res = InitProducerId.response.zero();
    if (req.transactionalId !== null) {
      broker.logger.warn({ clientId: header.clientId, transactionalId: req.transactionalId }, 'transactional producer declined: transactions are not supported');
      res.errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      res.producerId = -1;
      res.producerEpoch = -1;
      return res;
    }
    res.errorCode = ErrorCode.NONE;
    res.producerId = broker.producerIds.allocate();
    res.producerEpoch = 0;
    return res;
  },
});
