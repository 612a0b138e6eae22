// DescribeCluster (key 60), versions 0-1. One broker, which is also the controller. v1's endpointType
// must be 1 (brokers); asking for controllers is not supported on a combined single node.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { DescribeCluster } from '../../protocol/messages/60-describe-cluster.ts';
import { defineHandler } from '../registry.ts';

const BROKER_ENDPOINTS = 1;

export const describeClusterHandler = defineHandler({
  api: DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(req, { broker }) {
    const res = DescribeCluster.response.zero();
    if (req.endpointType !== BROKER_ENDPOINTS) {
      res.errorCode = ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
      res.errorMessage = 'only broker endpoints (endpointType 1) are available';
      return res;
    }
    const { host, port } = broker.endpoint();
    res.clusterId = broker.clusterId;
    res.controllerId = broker.config.nodeId;
    res.brokers = [{ brokerId: broker.config.nodeId, host, port, rack: null }];
    return res;
  },
});
