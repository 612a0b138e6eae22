// DescribeGroups (key 15), versions 0-5. Per group: state, protocol type, the selected protocol and each
// member's client id, host, metadata and assignment. As in Kafka, protocol, metadata and assignment are
// only filled in while the group is Stable, and a group we do not know is reported Dead with no error.
// Authorized operations (v3+) are not computed: the field keeps its "not requested" value.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { DescribeGroups } from '../../protocol/messages/15-describe-groups.ts';
import { defineHandler } from '../registry.ts';

export const describeGroupsHandler = defineHandler({
  api: DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(req, { broker }) {
    const res = DescribeGroups.response.zero();
    res.groups = req.groups.map((groupId) => {
      const base = { errorCode: ErrorCode.NONE, groupId, authorizedOperations: -2147483648 };
      const s = broker.coordinator.summary(groupId);
      if (s === null) return { ...base, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
      return {
        ...base,
        groupState: s.state,
        protocolType: s.protocolType,
        protocolData: s.protocolName,
        members: s.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
      };
    });
    return res;
  },
});
