import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Api } from '../../src/protocol/api.ts';
import { OffsetCommit } from '../../src/protocol/messages/08-offset-commit.ts';
import { OffsetFetch } from '../../src/protocol/messages/09-offset-fetch.ts';
import { FindCoordinator, FindCoordinatorRequest } from '../../src/protocol/messages/10-find-coordinator.ts';
import { JoinGroup, JoinGroupRequest } from '../../src/protocol/messages/11-join-group.ts';
import { Heartbeat, HeartbeatRequest } from '../../src/protocol/messages/12-heartbeat.ts';
import { LeaveGroup } from '../../src/protocol/messages/13-leave-group.ts';
import { SyncGroup } from '../../src/protocol/messages/14-sync-group.ts';
import { DescribeGroups } from '../../src/protocol/messages/15-describe-groups.ts';
import { ListGroups } from '../../src/protocol/messages/16-list-groups.ts';
import { InitProducerId } from '../../src/protocol/messages/22-init-producer-id.ts';
import { DeleteGroups } from '../../src/protocol/messages/42-delete-groups.ts';
import { OffsetDelete } from '../../src/protocol/messages/47-offset-delete.ts';
import { Reader } from '../../src/protocol/reader.ts';
import type { Message, Type } from '../../src/protocol/schema.ts';
import { Writer } from '../../src/protocol/writer.ts';

// [api, key, first version, last version, first flexible version or null]
const APIS: [Api<unknown, unknown>, number, number, number, number | null][] = [
  [OffsetCommit, 8, 2, 9, 8],
  [OffsetFetch, 9, 1, 9, 6],
  [FindCoordinator, 10, 0, 5, 3],
  [JoinGroup, 11, 0, 9, 6],
  [Heartbeat, 12, 0, 4, 4],
  [LeaveGroup, 13, 0, 5, 4],
  [SyncGroup, 14, 0, 5, 4],
  [DescribeGroups, 15, 0, 5, 5],
  [ListGroups, 16, 0, 5, 3],
  [InitProducerId, 22, 0, 5, 2],
  [DeleteGroups, 42, 0, 2, 2],
  [OffsetDelete, 47, 0, 0, null],
];

function messagesOf(a: Api<unknown, unknown>): Message<unknown>[] {
  return [a.request, a.response];
}

function roundTrip(m: Message<unknown>, version: number, value: unknown): void {
  const w = new Writer();
  m.encode(w, version, value);
  const r = new Reader(w.toBuffer());
  assert.deepEqual(m.decode(r, version), value, `${m.name} v${version}`);
  assert.equal(r.remaining, 0, `${m.name} v${version} left bytes`);
}

function encode<T>(m: Message<T>, version: number, value: T): Buffer {
  const w = new Writer();
  m.encode(w, version, value);
  return w.toBuffer();
}

test('every API has the agreed key, version range and flexible versions', () => {
  for (const [a, key, min, max, flexibleFrom] of APIS) {
    assert.equal(a.key, key, a.name);
    for (const m of messagesOf(a)) {
      assert.equal(m.apiKey, key, m.name);
      assert.deepEqual(m.versions, { min, max }, m.name);
      for (let v = min; v <= max; v++) {
        assert.equal(m.isFlexible(v), flexibleFrom !== null && v >= flexibleFrom, `${m.name} v${v} flexible`);
      }
    }
  }
});

test('no field lies entirely outside its message version range', () => {
  const check = (m: Message<unknown>, t: Type<unknown>, path: string): void => {
    if (t.kind === 'array') check(m, t.item as Type<unknown>, path);
    for (const [name, field] of Object.entries(t.fields ?? {})) {
      const used = field.versions.min <= m.versions.max && field.versions.max >= m.versions.min;
      assert.ok(used, `${m.name}.${path}${name} is never on the wire`);
      check(m, field.type, `${path}${name}.`);
    }
  };
  for (const [a] of APIS) for (const m of messagesOf(a)) check(m, m.type as Type<unknown>, '');
});

test('zero values encode in every version', () => {
  for (const [a] of APIS) {
    for (const m of messagesOf(a)) {
      for (let v = m.versions.min; v <= m.versions.max; v++) roundTrip(m, v, m.zero());
    }
  }
});

test('JoinGroup v0 request matches hand-computed bytes', () => {
  const value = JoinGroupRequest.zero();
  value.groupId = 'g';
  value.sessionTimeoutMs = 30000;
  value.protocolType = 'consumer';
  value.protocols = [{ name: 'range', metadata: Buffer.from([0x00, 0x01]) }];
  const golden = Buffer.from([
    0x00, 0x01, 0x67, // group_id "g"
    0x00, 0x00, 0x75, 0x30, // session_timeout_ms 30000
    0x00, 0x00, // member_id ""
    0x00, 0x08, 0x63, 0x6f, 0x6e, 0x73, 0x75, 0x6d, 0x65, 0x72, // protocol_type "consumer"
    0x00, 0x00, 0x00, 0x01, // protocols: 1 entry
    0x00, 0x05, 0x72, 0x61, 0x6e, 0x67, 0x65, // name "range"
    0x00, 0x00, 0x00, 0x02, 0x00, 0x01, // metadata, 2 bytes
  ]);
  assert.deepEqual(encode(JoinGroupRequest, 0, value), golden);
  assert.deepEqual(JoinGroupRequest.decode(new Reader(golden), 0), value);
});

test('flexible Heartbeat v4 request matches hand-computed bytes', () => {
  const value = { groupId: 'g', generationId: 5, memberId: 'm-1', groupInstanceId: null };
  const golden = Buffer.from([
    0x02, 0x67, // group_id: compact string, length + 1
    0x00, 0x00, 0x00, 0x05, // generation_id
    0x04, 0x6d, 0x2d, 0x31, // member_id "m-1"
    0x00, // group_instance_id: compact null
    0x00, // no tagged fields
  ]);
  assert.deepEqual(encode(HeartbeatRequest, 4, value), golden);
  assert.deepEqual(HeartbeatRequest.decode(new Reader(golden), 4), value);
});

test('batched FindCoordinator v4 request carries coordinatorKeys and no single key', () => {
  const value = { key: '', keyType: 0, coordinatorKeys: ['g'] };
  const golden = Buffer.from([
    0x00, // key_type: group
    0x02, 0x02, 0x67, // coordinator_keys: compact array of 1, "g"
    0x00, // no tagged fields
  ]);
  assert.deepEqual(encode(FindCoordinatorRequest, 4, value), golden);
  assert.deepEqual(FindCoordinatorRequest.decode(new Reader(golden), 4), value);
  // v0 has only the key: keyType decodes to its default (group).
  const v0 = Buffer.from([0x00, 0x01, 0x67]);
  assert.deepEqual(FindCoordinatorRequest.decode(new Reader(v0), 0), { key: 'g', keyType: 0, coordinatorKeys: [] });
});
