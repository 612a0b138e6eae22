// The group state log: replay after reopen, torn and corrupt tails, compaction, and what survives.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import pino from 'pino';
import { OFFSETS_FILE, OffsetStore } from '../../../src/broker/coordinator/offset-store.ts';
import type { GroupSnapshot } from '../../../src/broker/coordinator/group.ts';
import { tempDir } from '../../helpers/broker.ts';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDir('buzzline-offsets-');
  dirs.push(d);
  return d;
}

function entry(topic: string, partition: number, offset: number, metadata = '') {
  return { topic, partition, offset, leaderEpoch: 3, metadata, commitTimestamp: 1_700_000_000_000 + offset };
}

const SNAPSHOT: GroupSnapshot = {
  groupId: 'g',
  generationId: 7,
  protocolType: 'consumer',
  protocolName: 'range',
  leaderId: 'm1',
  members: [{
    memberId: 'm1',
    groupInstanceId: 'pod-1',
    clientId: 'rdkafka',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 6000,
    rebalanceTimeoutMs: 30000,
    subscription: Buffer.from([0, 1, 2]),
    assignment: Buffer.from([3, 4, 5]),
  }],
};

test('offsets, metadata and group snapshots survive a reopen; deletes are replayed too', () => {
  const d = dir();
  const s = OffsetStore.open(d, { logger });
  s.commit('g', [entry('t', 0, 10, 'meta ✓'), entry('t', 1, 20)]);
  s.commit('g', [entry('t', 0, 15, 'newer')]);
  s.commit('simple', [entry('u', 2, 5)]);
  s.storeGroup(SNAPSHOT);
  s.commit('gone', [entry('t', 0, 1)]);
  s.deleteGroup('gone');
  s.commit('h', [entry('t', 0, 1), entry('v', 0, 2)]);
  s.deleteTopic('v');
  s.deleteOffsets('h', [{ topic: 't', partition: 0 }]);
  s.close();

  const r = OffsetStore.open(d, { logger });
  assert.deepEqual(r.list('g'), [entry('t', 0, 15, 'newer'), entry('t', 1, 20)].map((e) => ({ ...e })));
  assert.deepEqual(r.get('simple', 'u', 2), { offset: 5, leaderEpoch: 3, metadata: '', commitTimestamp: 1_700_000_000_005 });
  assert.deepEqual(r.groupSnapshot('g'), SNAPSHOT);
  assert.equal(r.hasOffsets('gone'), false);
  assert.equal(r.hasOffsets('h'), false);
  assert.deepEqual(r.groupIds().sort(), ['g', 'simple']);
  r.close();
});

test('a torn or corrupt tail is cut off and the store keeps working after it', () => {
  const d = dir();
  const s = OffsetStore.open(d, { logger });
  s.commit('g', [entry('t', 0, 1)]);
  s.commit('g', [entry('t', 0, 2)]);
  s.close();
  const file = path.join(d, OFFSETS_FILE);
  const intact = fs.readFileSync(file);
  const lastLine = intact.lastIndexOf(0x0a, intact.length - 2) + 1;
  const cases: [string, Buffer][] = [
    ['half a line', intact.subarray(0, lastLine + 20)],
    ['a flipped byte', Buffer.concat([intact.subarray(0, lastLine + 30), Buffer.from('X'), intact.subarray(lastLine + 31)])],
    ['zeros after a power loss', Buffer.concat([intact.subarray(0, lastLine), Buffer.alloc(64)])],
    ['a line of garbage', Buffer.concat([intact.subarray(0, lastLine), Buffer.from('not a record\n')])],
  ];
  for (const [name, bytes] of cases) {
    fs.writeFileSync(file, bytes);
    const r = OffsetStore.open(d, { logger });
    assert.equal(r.get('g', 't', 0)?.offset, 1, name);
    assert.equal(fs.statSync(file).size, lastLine, `${name}: truncated to the last good record`);
    r.commit('g', [entry('t', 0, 3)]);
    r.close();
    assert.equal(OffsetStore.open(d, { logger }).get('g', 't', 0)?.offset, 3, `${name}: appends after the cut are readable`);
  }
});

test('compaction keeps the live state and bounds the file', () => {
  const d = dir();
  const s = OffsetStore.open(d, { logger, minRecordsBeforeCompaction: 100 });
  for (let i = 0; i < 1000; i++) s.commit('g', [entry('t', i % 3, i)]);
  s.storeGroup(SNAPSHOT);
  const size = fs.statSync(s.file).size;
  assert.ok(size < 100 * 160, `file has ${size} bytes after 1000 commits of 3 partitions`);
  // A compaction cut short leaves a temporary file behind; the next open ignores and removes it.
  fs.writeFileSync(s.file + '.compact', 'half written');
  s.close();
  const r = OffsetStore.open(d, { logger });
  assert.deepEqual(r.list('g').map((e) => [e.partition, e.offset]), [[0, 999], [1, 997], [2, 998]]);
  assert.deepEqual(r.groupSnapshot('g'), SNAPSHOT);
  assert.equal(fs.existsSync(s.file + '.compact'), false);
  r.close();
});

test('a flipped byte in the middle skips that record only: later entries of every group survive, and it is logged', () => {
  const d = dir();
  const s = OffsetStore.open(d, { logger });
  const groups = ['a', 'b', 'c', 'd', 'e', 'f'];
  for (const g of groups) s.commit(g, [entry('t', 0, 10)]);
  s.close();
  const file = path.join(d, OFFSETS_FILE);
  const bytes = fs.readFileSync(file);
  const size = bytes.length;
  // Corrupt the third record ('c').
  let start = 0;
  for (let i = 0; i < 2; i++) start = bytes.indexOf(0x0a, start) + 1;
  const end = bytes.indexOf(0x0a, start) + 1;
  bytes[start + 20] = (bytes[start + 20] as number) ^ 0x01;
  fs.writeFileSync(file, bytes);
  const lines: Record<string, unknown>[] = [];
  const capture = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  const r = OffsetStore.open(d, { logger: capture });
  for (const g of groups) assert.equal(r.get(g, 't', 0)?.offset, g === 'c' ? undefined : 10, g);
  assert.equal(fs.statSync(file).size, size, 'nothing truncated');
  const warn = lines.find((l) => String(l.msg).includes('skipped'));
  assert.ok(warn, JSON.stringify(lines));
  assert.equal(warn.file, file);
  assert.equal(warn.skippedLines, 1);
  assert.equal(warn.skippedBytes, end - start);
  r.close();
});
