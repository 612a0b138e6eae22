// Heartbeat (key 12), versions 0-4. Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to
// rejoin, ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID that it was fenced out and must rejoin (with a new id for
// the latter), FENCED_INSTANCE_ID (v3+) that another process took over its static identity.

import { Heartbeat } from '../../protocol/messages/12-heartbeat.ts';
import { defineHandler } from '../registry.ts';

export const heartbeatHandler = defineHandler({
  api: Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(req, { broker, header }) {
    const res = Heartbeat.response.zero();
    res.errorCode = broker.coordinator.heartbeat(req.groupId, req.memberId, header.apiVersion >= 3 ? req.groupInstanceId : null, req.generationId);
    return res;
  },
});
