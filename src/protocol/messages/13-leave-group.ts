// LeaveGroup (key 13), versions 0-5. Flexible from v4.
// - v0-2 remove the single memberId; v1 adds throttleTimeMs to the response.
// - v3+ are batched: the request lists members (memberId + groupInstanceId) and the response answers each
//   one with its own error code, so static members can be removed by instance id.
// - v5 adds a per-member leave reason (KIP-800).

import { api } from '../api.ts';
import { array, f, int16, int32, message, nullable, string, struct } from '../schema.ts';

export const LeaveGroupRequest = message({
  apiKey: 13,
  name: 'LeaveGroupRequest',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    groupId: f(string, '0+'),
    memberId: f(string, '0-2'),
    members: f(array(struct({
      memberId: f(string, '3+'),
      groupInstanceId: f(nullable(string), '3+', { default: null }),
      reason: f(nullable(string), '5+', { default: null }),
    })), '3+'),
  },
});

export const LeaveGroupResponse = message({
  apiKey: 13,
  name: 'LeaveGroupResponse',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: f(int32, '1+'),
    errorCode: f(int16, '0+'),
    members: f(array(struct({
      memberId: f(string, '3+'),
      groupInstanceId: f(nullable(string), '3+'),
      errorCode: f(int16, '3+'),
    })), '3+'),
  },
});

export const LeaveGroup = api(LeaveGroupRequest, LeaveGroupResponse);
