// The classic consumer protocol's embedded payloads: JoinGroup protocol metadata (a subscription) and
// SyncGroup assignments are opaque bytes to the group coordinator, but with protocolType "consumer" they
// hold an int16 version followed by one of these structs (never flexible). The broker decodes them only to
// show subscriptions/assignments in DescribeGroups-based views and to compute group lag per topic.
//
// Kafka's clients promise that newer versions only append fields, and read a newer version with the newest
// layout they know, ignoring what follows. We do the same, so a future client does not make its group
// unreadable.

import { DecodeError, Reader } from './reader.ts';
import { array, bytes, f, int32, message, nullable, string, struct } from './schema.ts';
import type { Infer, Message } from './schema.ts';
import { Writer } from './writer.ts';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

// apiKey -1: these are data formats, not APIs, and must never be registered with a handler.
export const ConsumerProtocolSubscription = message({
  apiKey: -1,
  name: 'ConsumerProtocolSubscription',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: {
    topics: f(array(string), '0+'),
    userData: f(nullable(bytes), '0+', { default: null }),
    // v1: what the member owned before the rebalance (cooperative rebalancing).
    ownedPartitions: f(array(struct({
      topic: f(string, '1+'),
      partitions: f(array(int32), '1+'),
    })), '1+'),
    // v2: lets the assignor spot stale ownedPartitions.
    generationId: f(int32, '2+', { default: -1 }),
    // v3: rack-aware assignment.
    rackId: f(nullable(string), '3+', { default: null }),
  },
});

export const ConsumerProtocolAssignment = message({
  apiKey: -1,
  name: 'ConsumerProtocolAssignment',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: {
    assignedPartitions: f(array(struct({
      topic: f(string, '0+'),
      partitions: f(array(int32), '0+'),
    })), '0+'),
    userData: f(nullable(bytes), '0+', { default: null }),
  },
});

export type Subscription = Infer<typeof ConsumerProtocolSubscription>;
export type Assignment = Infer<typeof ConsumerProtocolAssignment>;

export interface Versioned<T> {
  // The version written by the client, which may be newer than the layout it was read with.
  version: number;
  value: T;
}

const MAX_VERSION = 3;

function encodeVersioned<T>(m: Message<T>, value: T, version: number): Buffer {
  const w = new Writer();
  w.int16(version);
  m.encode(w, version, value);
  return w.toBuffer();
}

function decodeVersioned<T>(m: Message<T>, buf: Buffer): Versioned<T> {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0) throw new DecodeError(`${m.name}: negative version ${version}`);
  return { version, value: m.decode(r, Math.min(version, MAX_VERSION)) };
}

export function encodeSubscription(value: Subscription, version = MAX_VERSION): Buffer {
  return encodeVersioned(ConsumerProtocolSubscription, value, version);
}

export function decodeSubscription(buf: Buffer): Versioned<Subscription> {
  return decodeVersioned(ConsumerProtocolSubscription, buf);
}

export function encodeAssignment(value: Assignment, version = MAX_VERSION): Buffer {
  return encodeVersioned(ConsumerProtocolAssignment, value, version);
}

// An empty payload is a member with nothing assigned: DescribeGroups reports empty assignment bytes outside
// the Stable state, and the coordinator gives empty bytes to a member the leader's SyncGroup left out.
export function decodeAssignment(buf: Buffer): Versioned<Assignment> {
  if (buf.length === 0) return { version: 0, value: ConsumerProtocolAssignment.zero() };
  return decodeVersioned(ConsumerProtocolAssignment, buf);
}
