// SyncGroup (key 14), versions 0-5. The leader hands in every member's assignment; each member (leader
// included) waits until the leader's SyncGroup arrives and then gets its own assignment bytes, always
// (members the leader left out get empty bytes). In a Stable group it returns the current assignment.
// - v3+ groupInstanceId (static membership); v5 carries protocolType/protocolName both ways, and a
//   mismatch with the group's is INCONSISTENT_GROUP_PROTOCOL.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { SyncGroup } from '../../protocol/messages/14-sync-group.ts';
import { untilAborted } from '../coordinator/group-coordinator.ts';
import { defineHandler } from '../registry.ts';

export const syncGroupHandler = defineHandler({
  api: SyncGroup,
  minVersion: 0,
  maxVersion: 5,
  async handle(req, { broker, header, signal }) {
    const v = header.apiVersion;
    const r = await untilAborted(broker.coordinator.sync(req.groupId, {
      memberId: req.memberId,
      groupInstanceId: v >= 3 ? req.groupInstanceId : null,
      generationId: req.generationId,
      protocolType: v >= 5 ? req.protocolType : null,
      protocolName: v >= 5 ? req.protocolName : null,
      assignments: req.assignments,
    }), signal, { errorCode: ErrorCode.NOT_COORDINATOR, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) });
    const res = SyncGroup.response.zero();
    res.errorCode = r.errorCode;
    res.protocolType = r.protocolType;
    res.protocolName = r.protocolName;
    res.assignment = r.assignment;
    return res;
  },
});
