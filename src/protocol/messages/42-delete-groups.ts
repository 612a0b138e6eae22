// DeleteGroups (key 42), versions 0-2. Flexible from v2.
// v1 is the same as v0 (on a quota violation the response is sent before throttling). Only empty groups
// can be deleted; a group with members gets NON_EMPTY_GROUP.

import { api } from '../api.ts';
import { array, f, int16, int32, message, string, struct } from '../schema.ts';

export const DeleteGroupsRequest = message({
  apiKey: 42,
  name: 'DeleteGroupsRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    groupsNames: f(array(string), '0+'),
  },
});

export const DeleteGroupsResponse = message({
  apiKey: 42,
  name: 'DeleteGroupsResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: f(int32, '0+'),
    results: f(array(struct({
      groupId: f(string, '0+'),
      errorCode: f(int16, '0+'),
    })), '0+'),
  },
});

export const DeleteGroups = api(DeleteGroupsRequest, DeleteGroupsResponse);
