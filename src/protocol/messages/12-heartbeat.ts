// Heartbeat (key 12), versions 0-4. Flexible from v4.
// - v1 adds throttleTimeMs to the response.
// - v3 adds groupInstanceId (static membership).
// A heartbeat answered with REBALANCE_IN_PROGRESS is how a classic-protocol member learns to rejoin.

import { api } from '../api.ts';
import { f, int16, int32, message, nullable, string } from '../schema.ts';

export const HeartbeatRequest = message({
  apiKey: 12,
  name: 'HeartbeatRequest',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    groupId: f(string, '0+'),
    generationId: f(int32, '0+'),
    memberId: f(string, '0+'),
    groupInstanceId: f(nullable(string), '3+', { default: null }),
  },
});

export const HeartbeatResponse = message({
  apiKey: 12,
  name: 'HeartbeatResponse',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: f(int32, '1+'),
    errorCode: f(int16, '0+'),
  },
});

export const Heartbeat = api(HeartbeatRequest, HeartbeatResponse);
