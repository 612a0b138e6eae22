// FindCoordinator (key 10), versions 0-5.
// - One node: this broker coordinates every group, so any key gets our node id and advertised address.
//   Transaction keys (keyType 1) are answered the same way; InitProducerId then declines the transactional
//   id, which is where a transactional client learns that transactions are not supported.
// - v0-3 look up a single key; v4+ are batched (coordinatorKeys) with an error per key.
// - A keyType other than 0 (group) or 1 (transaction) is INVALID_REQUEST, as in Kafka.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { FindCoordinator } from '../../protocol/messages/10-find-coordinator.ts';
import { defineHandler } from '../registry.ts';

const GROUP_KEY_TYPE = 0;
const TRANSACTION_KEY_TYPE = 1;

export const findCoordinatorHandler = defineHandler({
  api: FindCoordinator,
  minVersion: 0,
  maxVersion: 5,
  handle(req, { broker, header }) {
    const res = FindCoordinator.response.zero();
    const { host, port } = broker.endpoint();
    const nodeId = broker.config.nodeId;
    const valid = req.keyType === GROUP_KEY_TYPE || req.keyType === TRANSACTION_KEY_TYPE;
    const errorCode = valid ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST;
    const errorMessage = valid ? null : `unknown coordinator key type ${req.keyType}`;
    if (header.apiVersion >= 4) {
      res.coordinators = req.coordinatorKeys.map((key) => (valid
        ? { key, nodeId, host, port, errorCode, errorMessage }
        : { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage }));
      return res;
    }
    res.errorCode = errorCode;
    res.errorMessage = errorMessage;
    res.nodeId = valid ? nodeId : -1;
    res.host = valid ? host : '';
    res.port = valid ? port : -1;
    return res;
  },
});
