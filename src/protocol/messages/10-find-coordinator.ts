// FindCoordinator (key 10), versions 0-5. Flexible from v3.
// - v0 looks up a group coordinator by key; v1 adds keyType (0 = group, 1 = transaction) and, in the
//   response, throttleTimeMs and errorMessage.
// - v4+ are batched: the request carries coordinatorKeys and the response one coordinators entry per key,
//   each with its own error; the single key/nodeId/host/port fields exist only up to v3.
// - v5 only allows the TRANSACTION_ABORTABLE error (KIP-890); the body is the same as v4.
// v6 (share groups, KIP-932) is not supported.

import { api } from '../api.ts';
import { array, f, int16, int32, int8, message, nullable, string, struct } from '../schema.ts';

export const FindCoordinatorRequest = message({
  apiKey: 10,
  name: 'FindCoordinatorRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    key: f(string, '0-3'),
    keyType: f(int8, '1+', { default: 0 }),
    coordinatorKeys: f(array(string), '4+'),
  },
});

export const FindCoordinatorResponse = message({
  apiKey: 10,
  name: 'FindCoordinatorResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: f(int32, '1+'),
    errorCode: f(int16, '0-3'),
    errorMessage: f(nullable(string), '1-3'),
    nodeId: f(int32, '0-3'),
    host: f(string, '0-3'),
    port: f(int32, '0-3'),
    coordinators: f(array(struct({
      key: f(string, '4+'),
      nodeId: f(int32, '4+'),
      host: f(string, '4+'),
      port: f(int32, '4+'),
      errorCode: f(int16, '4+'),
      errorMessage: f(nullable(string), '4+'),
    })), '4+'),
  },
});

export const FindCoordinator = api(FindCoordinatorRequest, FindCoordinatorResponse);
