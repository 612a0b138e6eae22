// Produce (key 0), versions 3-11 (RecordBatch v2 only; v3 is the first that carries it).
// - acks: 0 gets no response at all; 1 and -1 (all) are the same on one node: the batch is in the log
//   (written to the OS, which survives a kill -9 of the broker) before we answer.
// - Each partition's records are validated (magic, lengths, CRC32C) and appended as received with
//   offsets assigned by patching baseOffset; a bad batch fails its partition with CORRUPT_MESSAGE or
//   INVALID_RECORD and nothing of it is written. Topics are not auto-created here, only by Metadata.
// - A CreateTime batch whose maxTimestamp is unset (-1) gets it on append, as in Kafka: the largest record
//   timestamp of an uncompressed batch, the baseTimestamp of a compressed one; the CRC is recomputed.
// - Idempotent producers: batches with a producer id go through the producer-state check
//   (coordinator/producer-state.ts). A retried batch already in the log is acknowledged with the offset it
//   got the first time and not appended again; a gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER, an
//   older epoch INVALID_PRODUCER_EPOCH. Transactional batches are refused (INVALID_TXN_STATE).
// - Internal topics (__consumer_offsets) are written by the broker only: INVALID_TOPIC_EXCEPTION, as
//   Kafka answers "Cannot append to internal topic".

import { ErrorCode } from '../../protocol/error-codes.ts';
import { Produce } from '../../protocol/messages/00-produce.ts';
import { CRC_POS, maxRecordTimestamp, setMaxTimestamp, splitBatches, TIMESTAMP_CREATE_TIME, timestampType } from '../../protocol/record-batch.ts';
import type { BatchView } from '../../protocol/record-batch.ts';
import type { Infer } from '../../protocol/schema.ts';
import { LogError } from '../log/log-error.ts';
import { defineHandler } from '../registry.ts';
import type { BrokerContext } from '../context.ts';

type PartitionResponse = Infer<typeof Produce.response>['responses'][number]['partitionResponses'][number];

export const produceHandler = defineHandler({
  api: Produce,
  minVersion: 3,
  maxVersion: 11,
  handle(req, { broker, header }) {
    const validAcks = req.acks === -1 || req.acks === 0 || req.acks === 1;
    const res = Produce.response.zero();
    for (const t of req.topicData) {
      res.responses.push({
        name: t.name,
        partitionResponses: t.partitionData.map((pd) =>
          validAcks ? append(broker, t.name, pd.index, pd.records, header.clientId) : failed(pd.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${req.acks}`)),
      });
    }
    return req.acks === 0 ? null : res;
  },
});

function append(broker: BrokerContext, topic: string, index: number, records: Buffer | null, clientId: string | null): PartitionResponse {
  const partition = broker.topics.partition(topic, index);
  if (!partition) return failed(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic-partition ${topic}-${index}`);
  if (partition.topic.internal) return rejected(broker, topic, index, clientId, ErrorCode.INVALID_TOPIC_EXCEPTION, `cannot append to internal topic ${topic}`);
  if (records === null || records.length === 0) return failed(index, ErrorCode.CORRUPT_MESSAGE, 'no records');
  const split = splitBatches(records);
  if (!split.ok) return rejected(broker, topic, index, clientId, split.errorCode, split.message);
  for (const b of split.batches) fillMaxTimestamp(records, b);
  const check = broker.producers.forPartition(partition).check(split.batches.map((b) => b.header));
  if (check.kind === 'duplicate') {
    broker.logger.debug({ topic, partition: index, clientId, baseOffset: check.firstOffset }, 'duplicate batch acknowledged without append');
    return { ...ok(index), baseOffset: check.firstOffset, logStartOffset: partition.log.logStartOffset };
  }
  if (check.kind === 'error') return rejected(broker, topic, index, clientId, check.errorCode, check.message);
  try {
    const result = partition.log.append(records, { batches: split.batches });
    check.commit(result.batches);
    broker.topics.notifyAppend(partition, records.length);
    return { ...ok(index), baseOffset: result.baseOffset, logStartOffset: result.logStartOffset };
  } catch (err) {
    if (!(err instanceof LogError)) throw err;
    return rejected(broker, topic, index, clientId, err.code, err.message);
  }
}

// Some producers (several Go clients) leave the header's maxTimestamp at -1. The time index and time
// lookups go by it, so like Kafka we set it on append: from the records' timestamps when the batch is
// uncompressed, else from its baseTimestamp (the broker never decompresses, so a lookup finds such a batch
// for times up to its first record's). Patching it means a new CRC; the header view follows the bytes.
function fillMaxTimestamp(records: Buffer, b: BatchView): void {
  const h = b.header;
  if (h.maxTimestamp !== -1 || h.baseTimestamp < 0 || timestampType(h.attributes) !== TIMESTAMP_CREATE_TIME) return;
  const timestamp = maxRecordTimestamp(records, b.position) ?? h.baseTimestamp;
  setMaxTimestamp(records, b.position, timestamp);
  h.maxTimestamp = timestamp;
  h.crc = records.readUInt32BE(b.position + CRC_POS);
}

function rejected(broker: BrokerContext, topic: string, index: number, clientId: string | null, code: number, message: string): PartitionResponse {
  broker.logger.warn({ topic, partition: index, clientId, code, err: message }, 'produce rejected');
  return failed(index, code, message);
}

function ok(index: number): PartitionResponse {
  return {
    index,
    errorCode: ErrorCode.NONE,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

function failed(index: number, errorCode: number, errorMessage: string): PartitionResponse {
  return { ...ok(index), errorCode, errorMessage };
}
