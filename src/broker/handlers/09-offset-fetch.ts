// OffsetFetch (key 9), versions 1-9. Committed offsets with their metadata and leader epoch; a partition
// without a commit answers offset -1, metadata "" and no error, like Kafka.
// - v2+ accept null topics: every partition the group has offsets for.
// - v8+ batch several groups, each answered with its own topics and error code.
// - requireStable (v7+) needs no waiting: without transactions no commit is ever pending.
// - v9 memberId/memberEpoch belong to KIP-848 groups and are ignored for classic groups.

import { OffsetFetch } from '../../protocol/messages/09-offset-fetch.ts';
import { defineHandler } from '../registry.ts';

export const offsetFetchHandler = defineHandler({
  api: OffsetFetch,
  minVersion: 1,
  maxVersion: 9,
  handle(req, { broker, header }) {
    const res = OffsetFetch.response.zero();
    if (header.apiVersion >= 8) {
      res.groups = req.groups.map((g) => ({
        groupId: g.groupId,
        topics: broker.coordinator.fetchOffsets(g.groupId, g.topics),
        errorCode: 0,
      }));
      return res;
    }
    res.topics = broker.coordinator.fetchOffsets(req.groupId, req.topics);
    return res;
  },
});
