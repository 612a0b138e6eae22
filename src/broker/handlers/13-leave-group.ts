// LeaveGroup (key 13), versions 0-5.
// - v0-2 remove one memberId; the response has a single error code (the member's, as Kafka reports it).
// - v3+ remove a batch of members, each answered on its own; an empty memberId with a groupInstanceId
//   removes that static member (the admin path). v5 adds a reason, which is only logged by Kafka.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { LeaveGroup } from '../../protocol/messages/13-leave-group.ts';
import { defineHandler } from '../registry.ts';

export const leaveGroupHandler = defineHandler({
  api: LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(req, { broker, header }) {
    const batched = header.apiVersion >= 3;
    const leaving = batched ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: req.memberId, groupInstanceId: null }];
    const r = broker.coordinator.leave(req.groupId, leaving);
    const res = LeaveGroup.response.zero();
    if (batched) {
      res.errorCode = r.errorCode;
      res.members = r.errorCode === ErrorCode.NONE ? r.members : [];
    } else {
      res.errorCode = r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.members[0]?.errorCode ?? ErrorCode.NONE);
    }
    return res;
  },
});
