// The record keys and values Kafka's group coordinator writes to __consumer_offsets, so that tools which
// read that topic directly (lag monitors such as Burrow, kafka-consumer-groups' offsets formatter) can
// decode ours. Reference: the coordinator-key/coordinator-value schemas of Apache Kafka's group
// coordinator (group-coordinator/src/main/resources/common/message/OffsetCommitKey.json,
// OffsetCommitValue.json, GroupMetadataKey.json, GroupMetadataValue.json; not among the client-facing
// schemas in /work/shared/kafka-protocol). Every key and value starts with its int16 version; all the
// versions written here are non-flexible, so strings are int16-length, bytes and arrays int32-length.
//
//   offset commit key   v1: group string, topic string, partition int32
//   group metadata key  v2: group string
//   offset commit value v3: offset int64, leader_epoch int32, metadata string, commit_timestamp int64
//   group metadata value v3: protocol_type string, generation int32, protocol string?, leader string?,
//     current_state_timestamp int64, members [member_id string, group_instance_id string?,
//     client_id string, client_host string, rebalance_timeout int32, session_timeout int32,
//     subscription bytes, assignment bytes]
//
// A key with a null value is a tombstone: the offset (or the group) is gone.

import { Writer } from './writer.ts';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const GROUP_METADATA_VALUE_VERSION = 3;

export interface OffsetCommitValue {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface GroupMetadataMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Uint8Array;
  assignment: Uint8Array;
}

export interface GroupMetadataValue {
  protocolType: string;
  generationId: number;
  protocolName: string | null;
  leaderId: string | null;
  currentStateTimestamp: number;
  members: readonly GroupMetadataMember[];
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new Writer().int16(OFFSET_COMMIT_KEY_VERSION).string(group, false).string(topic, false).int32(partition).toBuffer();
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return new Writer().int16(GROUP_METADATA_KEY_VERSION).string(group, false).toBuffer();
}

export function encodeOffsetCommitValue(v: OffsetCommitValue): Buffer {
  return new Writer()
    .int16(OFFSET_COMMIT_VALUE_VERSION)
    .int64(v.offset)
    .int32(v.leaderEpoch)
    .string(v.metadata, false)
    .int64(v.commitTimestamp)
    .toBuffer();
}

export function encodeGroupMetadataValue(v: GroupMetadataValue): Buffer {
  const w = new Writer()
    .int16(GROUP_METADATA_VALUE_VERSION)
    .string(v.protocolType, false)
    .int32(v.generationId)
    .string(v.protocolName, false)
    .string(v.leaderId, false)
    .int64(v.currentStateTimestamp)
    .arrayLength(v.members.length, false);
  for (const m of v.members) {
    w.string(m.memberId, false)
      .string(m.groupInstanceId, false)
      .string(m.clientId, false)
      .string(m.clientHost, false)
      .int32(m.rebalanceTimeoutMs)
      .int32(m.sessionTimeoutMs)
      .bytes(m.subscription, false)
      .bytes(m.assignment, false);
  }
  return w.toBuffer();
}

// Java's String.hashCode over UTF-16 code units, as Kafka uses it to place a group.
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

// Kafka's GroupMetadataManager.partitionFor: Utils.abs(groupId.hashCode) % partitions, where Utils.abs
// maps Integer.MIN_VALUE to 0.
export function consumerOffsetsPartitionFor(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}
