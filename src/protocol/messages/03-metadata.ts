// Metadata (key 3), versions 0-12. Flexible from v9.
// v0: an empty topic list means "all topics"; from v1 that is a null list and an empty list means none.
// v1 adds rack, controllerId and isInternal; v2 clusterId; v3 throttleTimeMs; v4 allowAutoTopicCreation;
// v5 offlineReplicas; v7 leaderEpoch; v8 authorized-operations fields (the cluster-level ones exist only
// in v8-10, after which DescribeCluster carries them); v10 topic ids and nullable request topic names;
// v12 nullable response topic names (a topic looked up by id that does not exist has no name).

import { api } from '../api.ts';
import { array, bool, f, int16, int32, message, nullable, string, struct, uuid } from '../schema.ts';

export const MetadataRequest = message({
  apiKey: 3,
  name: 'MetadataRequest',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: {
    topics: f(nullable(array(struct({
      topicId: f(uuid, '10+'),
      name: f(nullable(string), '0+'),
    }))), '0+'),
    allowAutoTopicCreation: f(bool, '4+', { default: true }),
    includeClusterAuthorizedOperations: f(bool, '8-10'),
    includeTopicAuthorizedOperations: f(bool, '8+'),
  },
});

export const MetadataResponse = message({
  apiKey: 3,
  name: 'MetadataResponse',
  validVersions: '0-12',
  flexibleVersions: '9+',
  fields: {
    throttleTimeMs: f(int32, '3+'),
    brokers: f(array(struct({
      nodeId: f(int32, '0+'),
      host: f(string, '0+'),
      port: f(int32, '0+'),
      rack: f(nullable(string), '1+', { default: null }),
    })), '0+'),
    clusterId: f(nullable(string), '2+', { default: null }),
    controllerId: f(int32, '1+', { default: -1 }),
    topics: f(array(struct({
      errorCode: f(int16, '0+'),
      name: f(nullable(string), '0+'),
      topicId: f(uuid, '10+'),
      isInternal: f(bool, '1+', { default: false }),
      partitions: f(array(struct({
        errorCode: f(int16, '0+'),
        partitionIndex: f(int32, '0+'),
        leaderId: f(int32, '0+'),
        leaderEpoch: f(int32, '7+', { default: -1 }),
        replicaNodes: f(array(int32), '0+'),
        isrNodes: f(array(int32), '0+'),
        offlineReplicas: f(array(int32), '5+'),
      })), '0+'),
      topicAuthorizedOperations: f(int32, '8+', { default: -2147483648 }),
    })), '0+'),
    clusterAuthorizedOperations: f(int32, '8-10', { default: -2147483648 }),
  },
});

export const Metadata = api(MetadataRequest, MetadataResponse);
