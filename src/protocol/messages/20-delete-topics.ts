// DeleteTopics (key 20), versions 1-6. Flexible from v4.
// v1 adds throttleTimeMs; v2 and v3 change only semantics; v4 is the first flexible version; v5 adds a
// per-topic errorMessage; v6 replaces the topicNames list with topics that carry a name or a topic id,
// and response names become nullable (a topic deleted by id may be unknown).

import { api } from '../api.ts';
import { array, f, int16, int32, message, nullable, string, struct, uuid } from '../schema.ts';

export const DeleteTopicsRequest = message({
  apiKey: 20,
  name: 'DeleteTopicsRequest',
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: {
    topics: f(array(struct({
      name: f(nullable(string), '6+', { default: null }),
      topicId: f(uuid, '6+'),
    })), '6+'),
    topicNames: f(array(string), '0-5'),
    timeoutMs: f(int32, '0+'),
  },
});

export const DeleteTopicsResponse = message({
  apiKey: 20,
  name: 'DeleteTopicsResponse',
  validVersions: '1-6',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: f(int32, '1+'),
    responses: f(array(struct({
      name: f(nullable(string), '0+'),
      topicId: f(uuid, '6+'),
      errorCode: f(int16, '0+'),
      errorMessage: f(nullable(string), '5+', { default: null }),
    })), '0+'),
  },
});

export const DeleteTopics = api(DeleteTopicsRequest, DeleteTopicsResponse);
