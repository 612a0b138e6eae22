// SyncGroup (key 14), versions 0-5. Flexible from v4.
// - The leader sends every member's assignment; followers send an empty list and wait for the leader's.
// - v1 adds throttleTimeMs to the response; v3 adds groupInstanceId (static membership).
// - v5 sends protocolType and protocolName both ways (KIP-559); the broker rejects a request whose values
//   differ from the group's with INCONSISTENT_GROUP_PROTOCOL.

import { api } from '../api.ts';
import { array, bytes, f, int16, int32, message, nullable, string, struct } from '../schema.ts';

export const SyncGroupRequest = message({
  apiKey: 14,
  name: 'SyncGroupRequest',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    groupId: f(string, '0+'),
    generationId: f(int32, '0+'),
    memberId: f(string, '0+'),
    groupInstanceId: f(nullable(string), '3+', { default: null }),
    protocolType: f(nullable(string), '5+', { default: null }),
    protocolName: f(nullable(string), '5+', { default: null }),
    assignments: f(array(struct({
      memberId: f(string, '0+'),
      assignment: f(bytes, '0+'),
    })), '0+'),
  },
});

export const SyncGroupResponse = message({
  apiKey: 14,
  name: 'SyncGroupResponse',
  validVersions: '0-5',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: f(int32, '1+'),
    errorCode: f(int16, '0+'),
    protocolType: f(nullable(string), '5+', { default: null }),
    protocolName: f(nullable(string), '5+', { default: null }),
    assignment: f(bytes, '0+'),
  },
});

export const SyncGroup = api(SyncGroupRequest, SyncGroupResponse);
