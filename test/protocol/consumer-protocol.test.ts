import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../src/protocol/consumer-protocol.ts';
import type { Assignment, Subscription } from '../../src/protocol/consumer-protocol.ts';
import { DecodeError } from '../../src/protocol/reader.ts';

function subscriptionAt(version: number): Subscription {
  const s = ConsumerProtocolSubscription.zero();
  s.topics = ['bank_alerts', 'bank_metrics'];
  s.userData = Buffer.from([1, 2, 3]);
  if (version >= 1) s.ownedPartitions = [{ topic: 'bank_alerts', partitions: [0, 2] }];
  if (version >= 2) s.generationId = 4;
  if (version >= 3) s.rackId = 'rack-a';
  return s;
}

function assignment(): Assignment {
  return {
    assignedPartitions: [{ topic: 'bank_alerts', partitions: [1, 3] }, { topic: 'bank_metrics', partitions: [0] }],
    userData: null,
  };
}

test('subscriptions round-trip in every version', () => {
  for (let v = 0; v <= 3; v++) {
    const s = subscriptionAt(v);
    assert.deepEqual(decodeSubscription(encodeSubscription(s, v)), { version: v, value: s });
  }
});

test('assignments round-trip in every version', () => {
  for (let v = 0; v <= 3; v++) {
    assert.deepEqual(decodeAssignment(encodeAssignment(assignment(), v)), { version: v, value: assignment() });
  }
});

test('subscription v0 matches hand-computed bytes', () => {
  const golden = Buffer.from([
    0x00, 0x00, // version 0
    0x00, 0x00, 0x00, 0x01, // topics: 1 entry
    0x00, 0x06, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, // "orders"
    0xff, 0xff, 0xff, 0xff, // user_data: null
  ]);
  const value = { ...ConsumerProtocolSubscription.zero(), topics: ['orders'] };
  assert.deepEqual(encodeSubscription(value, 0), golden);
  assert.deepEqual(decodeSubscription(golden), { version: 0, value });
});

test('a newer version is read with the newest known layout and trailing fields are ignored', () => {
  const s = subscriptionAt(3);
  const v3 = encodeSubscription(s, 3);
  const v4 = Buffer.concat([v3, Buffer.from([0x00, 0x02, 0x68, 0x69])]);
  v4.writeInt16BE(4, 0);
  assert.deepEqual(decodeSubscription(v4), { version: 4, value: s });

  const a = encodeAssignment(assignment(), 3);
  const a7 = Buffer.concat([a, Buffer.from([0xde, 0xad])]);
  a7.writeInt16BE(7, 0);
  assert.deepEqual(decodeAssignment(a7), { version: 7, value: assignment() });
});

test('an empty assignment payload means nothing assigned', () => {
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), { version: 0, value: ConsumerProtocolAssignment.zero() });
});

test('negative versions and truncated payloads are rejected', () => {
  const bad = encodeSubscription(subscriptionAt(1), 1);
  bad.writeInt16BE(-1, 0);
  assert.throws(() => decodeSubscription(bad), DecodeError);
  const full = encodeAssignment(assignment(), 0);
  assert.throws(() => decodeAssignment(full.subarray(0, full.length - 3)), DecodeError);
  assert.throws(() => decodeSubscription(Buffer.alloc(0)), DecodeError);
});
