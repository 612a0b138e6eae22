// ListGroups (key 16), versions 0-5. Flexible from v3.
// - v1 adds throttleTimeMs to the response.
// - v4 adds statesFilter to the request and groupState to each listed group (KIP-518); an empty filter
//   means every state.
// - v5 adds typesFilter and groupType ("classic" / "consumer", KIP-848); an empty filter means every type.

import { api } from '../api.ts';
import { array, f, int16, int32, message, string, struct } from '../schema.ts';

export const ListGroupsRequest = message({
  apiKey: 16,
  name: 'ListGroupsRequest',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    statesFilter: f(array(string), '4+'),
    typesFilter: f(array(string), '5+'),
  },
});

export const ListGroupsResponse = message({
  apiKey: 16,
  name: 'ListGroupsResponse',
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: f(int32, '1+'),
    errorCode: f(int16, '0+'),
    groups: f(array(struct({
      groupId: f(string, '0+'),
      protocolType: f(string, '0+'),
      groupState: f(string, '4+'),
      groupType: f(string, '5+'),
    })), '0+'),
  },
});

export const ListGroups = api(ListGroupsRequest, ListGroupsResponse);
