// CreateTopics (key 19), versions 2-7. Flexible from v5.
// v2 is the floor: first version with throttleTimeMs in the response (v1 added validateOnly and
// errorMessage). v3 and v4 change only semantics (v4: numPartitions / replicationFactor may be -1 to take
// the broker defaults). v5 returns the created topic's numPartitions, replicationFactor and configs, plus
// the tagged topicConfigErrorCode; v6 may answer THROTTLING_QUOTA_EXCEEDED; v7 returns the topic id.

import { api } from '../api.ts';
import { array, bool, f, int16, int32, int8, message, nullable, string, struct, uuid } from '../schema.ts';

export const CreateTopicsRequest = message({
  apiKey: 19,
  name: 'CreateTopicsRequest',
  validVersions: '2-7',
  flexibleVersions: '5+',
  fields: {
    topics: f(array(struct({
      name: f(string, '0+'),
      numPartitions: f(int32, '0+'),
      replicationFactor: f(int16, '0+'),
      assignments: f(array(struct({
        partitionIndex: f(int32, '0+'),
        brokerIds: f(array(int32), '0+'),
      })), '0+'),
      configs: f(array(struct({
        name: f(string, '0+'),
        value: f(nullable(string), '0+'),
      })), '0+'),
    })), '0+'),
    timeoutMs: f(int32, '0+', { default: 60000 }),
    validateOnly: f(bool, '1+', { default: false }),
  },
});

export const CreateTopicsResponse = message({
  apiKey: 19,
  name: 'CreateTopicsResponse',
  validVersions: '2-7',
  flexibleVersions: '5+',
  fields: {
    throttleTimeMs: f(int32, '2+'),
    topics: f(array(struct({
      name: f(string, '0+'),
      topicId: f(uuid, '7+'),
      errorCode: f(int16, '0+'),
      errorMessage: f(nullable(string), '1+'),
      topicConfigErrorCode: f(int16, '5+', { tag: 0 }),
      numPartitions: f(int32, '5+', { default: -1 }),
      replicationFactor: f(int16, '5+', { default: -1 }),
      configs: f(nullable(array(struct({
        name: f(string, '5+'),
        value: f(nullable(string), '5+'),
        readOnly: f(bool, '5+'),
        configSource: f(int8, '5+', { default: -1 }),
        isSensitive: f(bool, '5+'),
      }))), '5+'),
    })), '0+'),
  },
});

export const CreateTopics = api(CreateTopicsRequest, CreateTopicsResponse);
