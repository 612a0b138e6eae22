// ListOffsets (key 2), versions 0-8.
// - v0 (deprecated, but lag monitors still use it): the answer is the oldStyleOffsets array, holding the
//   offset v1+ would answer (latest: the log end; earliest: the log start; a timestamp: the time lookup
//   below), or nothing when there is none or maxNumOffsets is 0. Kafka's v0 could list several segment
//   base offsets before a time; one offset is what its consumers (maxNumOffsets 1) ask for.
// Special timestamps: -2 earliest (log start), -1 latest (log end), -3 max timestamp (v7+: the batch
// holding the largest timestamp), -4 earliest local (v8+: same as earliest, all data is local). Any other
// timestamp finds the first batch whose max timestamp is >= it; in an uncompressed batch that is the
// exact first record at or after it, as in Kafka. Compressed batches are not decompressed, so they answer
// the batch's first offset and max timestamp (a consumer seeking by time may see a few earlier records of
// that batch). No such batch answers offset -1, timestamp -1, like Kafka.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { ListOffsets } from '../../protocol/messages/02-list-offsets.ts';
import { defineHandler } from '../registry.ts';
import type { Partition } from '../topic-store.ts';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;

export const listOffsetsHandler = defineHandler({
  api: ListOffsets,
  minVersion: 0,
  maxVersion: 8,
  handle(req, { broker, header }) {
    const res = ListOffsets.response.zero();
    for (const t of req.topics) {
      res.topics.push({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const partition = broker.topics.partition(t.name, p.partitionIndex);
          if (!partition) {
            return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, oldStyleOffsets: [], timestamp: -1, offset: -1, leaderEpoch: -1 };
          }
          const found = lookup(partition, p.timestamp);
          const oldStyleOffsets = header.apiVersion === 0 && found.offset >= 0 && p.maxNumOffsets > 0 ? [found.offset] : [];
          return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets, ...found, leaderEpoch: 0 };
        }),
      });
    }
    return res;
  },
});

function lookup(p: Partition, timestamp: number): { offset: number; timestamp: number } {
  const log = p.log;
  switch (timestamp) {
    case LATEST: return { offset: log.logEndOffset, timestamp: -1 };
    case EARLIEST:
    case EARLIEST_LOCAL: return { offset: log.logStartOffset, timestamp: -1 };
    case MAX_TIMESTAMP: return log.offsetOfMaxTimestamp() ?? { offset: -1, timestamp: -1 };
    default: return log.offsetForTimestamp(timestamp) ?? { offset: -1, timestamp: -1 };
  }
}
