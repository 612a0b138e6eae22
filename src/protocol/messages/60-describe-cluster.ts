// DescribeCluster (key 60), versions 0-1. Flexible in every version.
// v1 adds endpointType (1 = brokers, 2 = controllers); a broker asked for an endpoint type it does not
// serve answers UNSUPPORTED_ENDPOINT_TYPE.

import { api } from '../api.ts';
import { array, bool, f, int16, int32, int8, message, nullable, string, struct } from '../schema.ts';

export const DescribeClusterRequest = message({
  apiKey: 60,
  name: 'DescribeClusterRequest',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    includeClusterAuthorizedOperations: f(bool, '0+'),
    endpointType: f(int8, '1+', { default: 1 }),
  },
});

export const DescribeClusterResponse = message({
  apiKey: 60,
  name: 'DescribeClusterResponse',
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: f(int32, '0+'),
    errorCode: f(int16, '0+'),
    errorMessage: f(nullable(string), '0+', { default: null }),
    endpointType: f(int8, '1+', { default: 1 }),
    clusterId: f(string, '0+'),
    controllerId: f(int32, '0+', { default: -1 }),
    brokers: f(array(struct({
      brokerId: f(int32, '0+'),
      host: f(string, '0+'),
      port: f(int32, '0+'),
      rack: f(nullable(string), '0+', { default: null }),
    })), '0+'),
    clusterAuthorizedOperations: f(int32, '0+', { default: -2147483648 }),
  },
});

export const DescribeCluster = api(DescribeClusterRequest, DescribeClusterResponse);
