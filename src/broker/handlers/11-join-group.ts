// JoinGroup (key 11), versions 0-9. The group logic is coordinator/group.ts; this translates versions.
// - v0 has no rebalance timeout: the session timeout serves as both, as in Kafka.
// - v4+: a new dynamic member is answered MEMBER_ID_REQUIRED with its id and must join again with it.
// - v5+ static membership (groupInstanceId); v7+ return protocolType, and protocolName may be null.
// - v9: a static leader rejoining a Stable group is told to skip the assignment (skipAssignment).
// - The response waits for the rebalance (up to the group's rebalance timeout). If the connection closes
//   first the member stays in the rebalance (Kafka does the same) and the response is dropped.
// - A member whose protocols share none with the group's gets INCONSISTENT_GROUP_PROTOCOL at once, e.g. a
//   kafkajs consumer ("RoundRobinAssigner") joining a librdkafka group ("range", "roundrobin").

import { ErrorCode } from '../../protocol/error-codes.ts';
import { JoinGroup } from '../../protocol/messages/11-join-group.ts';
import { untilAborted } from '../coordinator/group-coordinator.ts';
import type { JoinResult } from '../coordinator/group.ts';
import { defineHandler } from '../registry.ts';

export const joinGroupHandler = defineHandler({
  api: JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(req, { broker, header, clientHost, signal }) {
    const v = header.apiVersion;
    const rebalanceTimeoutMs = v >= 1 && req.rebalanceTimeoutMs >= 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;
    const dropped: JoinResult = { errorCode: ErrorCode.NOT_COORDINATOR, memberId: req.memberId, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, members: [] };
    const r = await untilAborted(broker.coordinator.join(req.groupId, {
      memberId: req.memberId,
      groupInstanceId: v >= 5 ? req.groupInstanceId : null,
      clientId: header.clientId ?? '',
      clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      requireKnownMemberId: v >= 4,
      supportSkippingAssignment: v >= 9,
    }), signal, dropped);
    const res = JoinGroup.response.zero();
    res.errorCode = r.errorCode;
    res.generationId = r.generationId;
    res.protocolType = r.protocolType;
    // Before v7 the name is not nullable; Kafka sends "" when there is none.
    res.protocolName = v >= 7 ? r.protocolName : (r.protocolName ?? '');
    res.leader = r.leader;
    res.skipAssignment = r.skipAssignment;
    res.memberId = r.memberId;
    res.members = r.members;
    return res;
  },
});
