// DescribeGroups (key 15), versions 0-5. Flexible from v5.
// - v1 adds throttleTimeMs to the response.
// - v3 lets the client ask for authorizedOperations (a bit field; INT32_MIN means "not requested").
// - v4 reports each member's groupInstanceId.
// protocolData and member metadata/assignment are only meaningful while the group is Stable, and a Dead
// group has no members; a group that does not exist is reported as Dead with no error.

import { api } from '../api.ts';
import { array, bool, bytes, f, int16, int32, message, nullable, string, struct } from '../schema.ts';

export const DescribeGroupsRequest = message({
  apiKey: 15,
  name: 'DescribeGroupsRequest',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: {
    groups: f(array(string), '0+'),
    includeAuthorizedOperations: f(bool, '3+'),
  },
});

export const DescribeGroupsResponse = message({
  apiKey: 15,
  name: 'DescribeGroupsResponse',
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: {
    throttleTimeMs: f(int32, '1+'),
    groups: f(array(struct({
      errorCode: f(int16, '0+'),
      groupId: f(string, '0+'),
      groupState: f(string, '0+'),
      protocolType: f(string, '0+'),
      protocolData: f(string, '0+'),
      members: f(array(struct({
        memberId: f(string, '0+'),
        groupInstanceId: f(nullable(string), '4+', { default: null }),
        clientId: f(string, '0+'),
        clientHost: f(string, '0+'),
        memberMetadata: f(bytes, '0+'),
        memberAssignment: f(bytes, '0+'),
      })), '0+'),
      authorizedOperations: f(int32, '3+', { default: -2147483648 }),
    })), '0+'),
  },
});

export const DescribeGroups = api(DescribeGroupsRequest, DescribeGroupsResponse);
