// JoinGroup (key 11), versions 0-9. Flexible from v6.
// - v1 adds rebalanceTimeoutMs; a v0 request has none and sessionTimeoutMs stands in for it (the -1
//   default only marks the field as absent).
// - v2 adds throttleTimeMs to the response.
// - v4+ member-id-required flow: a new member joining with an empty memberId is answered with
//   MEMBER_ID_REQUIRED and a generated memberId, and must join again with it.
// - v5 adds groupInstanceId (static membership), in the request and for each member in the response.
// - v7 returns protocolType, and protocolName becomes nullable (KIP-559).
// - v8 adds the join reason (KIP-800); v9 adds skipAssignment to the response.

import { api } from '../api.ts';
import { array, bool, bytes, f, int16, int32, message, nullable, string, struct } from '../schema.ts';

export const JoinGroupRequest = message({
  apiKey: 11,
  name: 'JoinGroupRequest',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    groupId: f(string, '0+'),
    sessionTimeoutMs: f(int32, '0+'),
    rebalanceTimeoutMs: f(int32, '1+', { default: -1 }),
    memberId: f(string, '0+'),
    groupInstanceId: f(nullable(string), '5+', { default: null }),
    protocolType: f(string, '0+'),
    protocols: f(array(struct({
      name: f(string, '0+'),
      metadata: f(bytes, '0+'),
    })), '0+'),
    reason: f(nullable(string), '8+', { default: null }),
  },
});

export const JoinGroupResponse = message({
  apiKey: 11,
  name: 'JoinGroupResponse',
  validVersions: '0-9',
  flexibleVersions: '6+',
  fields: {
    throttleTimeMs: f(int32, '2+'),
    errorCode: f(int16, '0+'),
    generationId: f(int32, '0+', { default: -1 }),
    protocolType: f(nullable(string), '7+', { default: null }),
    // Nullable only from v7; the default is an empty string so a zero value still encodes in v0-6.
    protocolName: f(nullable(string), '0+', { default: '' }),
    leader: f(string, '0+'),
    skipAssignment: f(bool, '9+', { default: false }),
    memberId: f(string, '0+'),
    members: f(array(struct({
      memberId: f(string, '0+'),
      groupInstanceId: f(nullable(string), '5+', { default: null }),
      metadata: f(bytes, '0+'),
    })), '0+'),
  },
});

export const JoinGroup = api(JoinGroupRequest, JoinGroupResponse);
