// OffsetDelete (key 47), version 0. Deletes a group's committed offsets for the listed partitions. The
// group must exist (GROUP_ID_NOT_FOUND); while a consumer group has members, partitions of topics they
// subscribe to answer GROUP_SUBSCRIBED_TO_TOPIC, and a non-consumer group with members NON_EMPTY_GROUP.

import { OffsetDelete } from '../../protocol/messages/47-offset-delete.ts';
import { defineHandler } from '../registry.ts';

export const offsetDeleteHandler = defineHandler({
  api: OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  handle(req, { broker }) {
    const r = broker.coordinator.deleteOffsets(req.groupId, req.topics);
    const res = OffsetDelete.response.zero();
    res.errorCode = r.errorCode;
    res.topics = r.topics;
    return res;
  },
});
