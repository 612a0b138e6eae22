// __consumer_offsets as clients see it: an internal topic of 50 partitions (Kafka's
// offsets.topic.num.partitions) holding, in Kafka's own key/value format
// (protocol/consumer-offsets-records.ts), one record per committed offset and per stored group, and
// tombstones when offsets or groups are deleted or expire. A group's records all go to partition
// abs(hashCode(group)) % 50, as in Kafka, so a lag monitor that reads the topic finds every group where
// it expects it.
//
// The topic is a view: the group state file (offset-store.ts) stays the source of truth that the broker
// replays on start, and this class appends to the topic after each change the store has made durable.
// A failed append is logged and does not fail the commit. Like Kafka, the broker creates the topic at the
// first group state change (or when a client asks for it by name), seeded with the state the store
// already holds; clients can read it (Fetch, ListOffsets) but not produce to, create or delete it.
// Segments age out by the ordinary retention.ms (7 days, the same as offsets.retention.ms) instead of
// being compacted, which the broker does not implement.

import type { Logger } from 'pino';
import {
  consumerOffsetsPartitionFor,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from '../../protocol/consumer-offsets-records.ts';
import { buildRecordBatch } from '../../protocol/record-batch.ts';
import type { RecordInput } from '../../protocol/record-batch.ts';
import type { Topic, TopicStore } from '../topic-store.ts';
import type { GroupSnapshot } from './group.ts';
import type { GroupStateMirror, OffsetEntry, OffsetStore, StoredPartition } from './offset-store.ts';

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';
export const CONSUMER_OFFSETS_PARTITIONS = 50;
// Kafka's offsets.topic.segment.bytes.
const TOPIC_CONFIGS = { 'segment.bytes': String(100 * 1024 * 1024) };

export class ConsumerOffsetsTopic implements GroupStateMirror {
  private readonly topics: TopicStore;
  private readonly store: OffsetStore;
  private readonly logger: Logger;

  constructor(topics: TopicStore, store: OffsetStore, logger: Logger) {
    this.topics = topics;
    this.store = store;
    this.logger = logger;
  }

  // The topic, created (and seeded with the store's current state) if it does not exist yet.
  ensure(): Topic {
    return this.ensureCreated().topic;
  }

  offsetsCommitted(groupId: string, entries: readonly OffsetEntry[]): void {
    this.mirror(groupId, () => entries.map(commitRecord(groupId)));
  }

  offsetsDeleted(groupId: string, partitions: readonly StoredPartition[]): void {
    this.mirror(groupId, () => partitions.map((p) => ({ key: encodeOffsetCommitKey(groupId, p.topic, p.partition), value: null })));
  }

  groupStored(snapshot: GroupSnapshot): void {
    this.mirror(snapshot.groupId, () => [groupRecord(snapshot, Date.now())]);
  }

  // Kafka deletes a group by writing a tombstone for each of its offsets, then one for the group.
  groupDeleted(groupId: string, partitions: readonly StoredPartition[]): void {
    this.mirror(groupId, () => [
      ...partitions.map((p) => ({ key: encodeOffsetCommitKey(groupId, p.topic, p.partition), value: null })),
      { key: encodeGroupMetadataKey(groupId), value: null },
    ]);
  }

  private ensureCreated(): { topic: Topic; seeded: boolean } {
    const existing = this.topics.get(CONSUMER_OFFSETS_TOPIC);
    if (existing !== undefined) return { topic: existing, seeded: false };
    const topic = this.topics.createInternal(CONSUMER_OFFSETS_TOPIC, CONSUMER_OFFSETS_PARTITIONS, TOPIC_CONFIGS);
    this.logger.info({ topic: CONSUMER_OFFSETS_TOPIC, partitions: CONSUMER_OFFSETS_PARTITIONS }, 'created internal topic');
    const now = Date.now();
    for (const groupId of this.store.groupIds()) {
      const snapshot = this.store.groupSnapshot(groupId);
      const records = [
        ...(snapshot === undefined ? [] : [groupRecord(snapshot, now)]),
        ...this.store.list(groupId).map(commitRecord(groupId)),
      ];
      this.append(topic, groupId, records);
    }
    return { topic, seeded: true };
  }

  // Called after the store has applied a change: a topic created just now was seeded with the state that
  // already includes it, so the change itself is not written again.
  private mirror(groupId: string, records: () => RecordInput[]): void {
    try {
      const { topic, seeded } = this.ensureCreated();
      if (!seeded) this.append(topic, groupId, records());
    } catch (err) {
      this.logger.error({ err, group: groupId }, `cannot append to ${CONSUMER_OFFSETS_TOPIC}`);
    }
  }

  private append(topic: Topic, groupId: string, records: RecordInput[]): void {
    if (records.length === 0) return;
    const partition = topic.partitions[consumerOffsetsPartitionFor(groupId, topic.partitions.length)];
    if (partition === undefined) throw new Error(`${CONSUMER_OFFSETS_TOPIC} has no partitions`);
    const batch = buildRecordBatch({ records });
    partition.log.append(batch);
    this.topics.notifyAppend(partition, batch.length);
  }
}

function commitRecord(groupId: string): (e: OffsetEntry) => RecordInput {
  return (e) => ({
    key: encodeOffsetCommitKey(groupId, e.topic, e.partition),
    value: encodeOffsetCommitValue(e),
    timestamp: e.commitTimestamp,
  });
}

function groupRecord(s: GroupSnapshot, now: number): RecordInput {
  return {
    key: encodeGroupMetadataKey(s.groupId),
    value: encodeGroupMetadataValue({
      protocolType: s.protocolType ?? '',
      generationId: s.generationId,
      protocolName: s.protocolName,
      leaderId: s.leaderId,
      currentStateTimestamp: now,
      members: s.members,
    }),
    timestamp: now,
  };
}
