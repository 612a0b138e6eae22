// Durable group state: committed offsets and group metadata, the two things Kafka keeps in
// __consumer_offsets. On disk it is one append-only file of records, one per line:
//
//   <crc32c of the JSON, 8 hex digits> <JSON record>\n
//
// Every OffsetCommit is a single record written with a single write() before the commit is acknowledged,
// so a killed broker keeps every acknowledged commit (the page cache survives the process) and a commit
// is never half applied. Opening replays the records; a line that fails its CRC or does not parse is
// skipped (logged) when good lines follow it, and a bad tail is cut off (a torn tail after a machine crash). fsync happens on close
// and on compaction only: losing the last commits in a power failure means re-consuming a little, which
// Kafka's at-least-once contract allows.
//
// Each change, once written, is also handed to a GroupStateMirror if one is attached: the broker's
// __consumer_offsets topic (consumer-offsets-topic.ts) is kept that way.
//
// When the file holds far more records than live entries it is compacted: the current state is written to
// a temporary file, fsynced and renamed over the log, so a crash leaves either the old or the new file.

import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { crc32c } from '../../protocol/crc32c.ts';
import type { GroupSnapshot, MemberClient } from './group.ts';

export const OFFSETS_FILE = 'buzzline-consumer-offsets.log';
const COMPACT_SUFFIX = '.compact';
// Compaction runs once the records written exceed both this and twice the live entries.
const MIN_RECORDS_BEFORE_COMPACTION = 10_000;

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface StoredPartition {
  topic: string;
  partition: number;
}

export interface OffsetEntry extends CommittedOffset, StoredPartition {}

// Told of every change after it is durable in the store.
export interface GroupStateMirror {
  offsetsCommitted(groupId: string, entries: readonly OffsetEntry[]): void;
  offsetsDeleted(groupId: string, partitions: readonly StoredPartition[]): void;
  groupStored(snapshot: GroupSnapshot): void;
  // With the partitions whose offsets went with the group.
  groupDeleted(groupId: string, partitions: readonly StoredPartition[]): void;
}

type OffsetTuple = [topic: string, partition: number, offset: number, leaderEpoch: number, metadata: string, commitTimestamp: number];

interface StoredMember extends MemberClient {
  subscription: string;
  assignment: string;
}

type StoredRecord =
  | { type: 'offsets'; group: string; offsets: OffsetTuple[] }
  | { type: 'delete-offsets'; group: string; partitions: [string, number][] }
  | {
    type: 'group';
    group: string;
    generationId: number;
    protocolType: string | null;
    protocolName: string | null;
    leaderId: string | null;
    members: StoredMember[];
  }
  | { type: 'delete-group'; group: string };

export interface OffsetStoreOptions {
  logger: Logger;
  // Tests lower it to exercise compaction.
  minRecordsBeforeCompaction?: number;
}

export class OffsetStore {
  readonly file: string;
  private readonly logger: Logger;
  private readonly minRecords: number;
  private fd: number;
  // group → topic → partition → offset
  private readonly offsets = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private readonly groups = new Map<string, GroupSnapshot>();
  private recordsWritten = 0;
  private mirror: GroupStateMirror | null = null;
  private dirty = false;
  private closed = false;

  private constructor(file: string, fd: number, options: OffsetStoreOptions) {
    this.file = file;
    this.fd = fd;
    this.logger = options.logger;
    this.minRecords = options.minRecordsBeforeCompaction ?? MIN_RECORDS_BEFORE_COMPACTION;
  }

  static open(dataDir: string, options: OffsetStoreOptions): OffsetStore {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, OFFSETS_FILE);
    // A compaction cut short: the old log is still complete, the half-written copy is not.
    fs.rmSync(file + COMPACT_SUFFIX, { force: true });
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o644);
    const store = new OffsetStore(file, fd, options);
    try {
      store.replay();
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return store;
  }

  private replay(): void {
    const data = fs.readFileSync(this.file);
    let pos = 0;
    let count = 0;
    // End of the last good record: whatever follows it with no good record after is a torn or corrupt
    // tail, cut off. A bad line with good ones after it (a flipped byte) is skipped instead, so every
    // later commit is kept: lines are framed by their newline and each is checked by its CRC.
    let goodEnd = 0;
    let badLines = 0;
    let skippedLines = 0;
    let skippedBytes = 0;
    while (pos < data.length) {
      const nl = data.indexOf(0x0a, pos);
      if (nl < 0) break;
      const start = pos;
      const record = parseLine(data.subarray(start, nl));
      pos = nl + 1;
      if (record === null) {
        badLines++;
        continue;
      }
      if (badLines > 0) {
        skippedLines += badLines;
        skippedBytes += start - goodEnd;
        badLines = 0;
      }
      this.apply(record);
      count++;
      goodEnd = pos;
    }
    if (skippedLines > 0) {
      this.logger.warn({ file: this.file, skippedLines, skippedBytes }, 'group state log has corrupt records, skipped them and kept the intact ones after them');
    }
    if (goodEnd < data.length) {
      this.logger.warn({ file: this.file, at: goodEnd, dropped: data.length - goodEnd }, 'group state log has a torn or corrupt tail, truncating');
      fs.ftruncateSync(this.fd, goodEnd);
    }
    this.recordsWritten = count;
  }

  private apply(r: StoredRecord): void {
    switch (r.type) {
      case 'offsets': {
        let topics = this.offsets.get(r.group);
        if (topics === undefined) this.offsets.set(r.group, (topics = new Map()));
        for (const [topic, partition, offset, leaderEpoch, metadata, commitTimestamp] of r.offsets) {
          let parts = topics.get(topic);
          if (parts === undefined) topics.set(topic, (parts = new Map()));
          parts.set(partition, { offset, leaderEpoch, metadata, commitTimestamp });
        }
        return;
      }
      case 'delete-offsets': {
        const topics = this.offsets.get(r.group);
        if (topics === undefined) return;
        for (const [topic, partition] of r.partitions) {
          const parts = topics.get(topic);
          parts?.delete(partition);
          if (parts?.size === 0) topics.delete(topic);
        }
        if (topics.size === 0) this.offsets.delete(r.group);
        return;
      }
      case 'group':
        this.groups.set(r.group, {
          groupId: r.group,
          generationId: r.generationId,
          protocolType: r.protocolType,
          protocolName: r.protocolName,
          leaderId: r.leaderId,
          members: r.members.map((m) => ({
            ...m,
            subscription: Buffer.from(m.subscription, 'base64'),
            assignment: Buffer.from(m.assignment, 'base64'),
          })),
        });
        return;
      case 'delete-group':
        this.groups.delete(r.group);
        this.offsets.delete(r.group);
        return;
    }
  }

  mirrorTo(mirror: GroupStateMirror): void {
    this.mirror = mirror;
  }

  // Every group with stored metadata or offsets.
  groupIds(): string[] {
    return [...new Set([...this.groups.keys(), ...this.offsets.keys()])];
  }

  groupSnapshot(groupId: string): GroupSnapshot | undefined {
    return this.groups.get(groupId);
  }

  hasOffsets(groupId: string): boolean {
    return this.offsets.has(groupId);
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(groupId)?.get(topic)?.get(partition);
  }

  // The group's offsets, ordered by topic and partition.
  list(groupId: string): OffsetEntry[] {
    const out: OffsetEntry[] = [];
    const topics = this.offsets.get(groupId);
    if (topics === undefined) return out;
    for (const topic of [...topics.keys()].sort()) {
      const parts = topics.get(topic) as Map<number, CommittedOffset>;
      for (const partition of [...parts.keys()].sort((a, b) => a - b)) out.push({ topic, partition, ...(parts.get(partition) as CommittedOffset) });
    }
    return out;
  }

  commit(groupId: string, entries: readonly OffsetEntry[]): void {
    if (entries.length === 0) return;
    this.write({
      type: 'offsets',
      group: groupId,
      offsets: entries.map((e) => [e.topic, e.partition, e.offset, e.leaderEpoch, e.metadata, e.commitTimestamp]),
    }, entries.length);
    this.mirror?.offsetsCommitted(groupId, entries);
  }

  deleteOffsets(groupId: string, partitions: readonly { topic: string; partition: number }[]): void {
    const present = partitions.filter((p) => this.get(groupId, p.topic, p.partition) !== undefined);
    if (present.length === 0) return;
    this.write({ type: 'delete-offsets', group: groupId, partitions: present.map((p) => [p.topic, p.partition]) }, present.length);
    this.mirror?.offsetsDeleted(groupId, present);
  }

  // Drops a deleted topic's offsets from every group, as Kafka does when a topic goes away.
  deleteTopic(topic: string): void {
    for (const [groupId, topics] of [...this.offsets]) {
      const parts = topics.get(topic);
      if (parts !== undefined) this.deleteOffsets(groupId, [...parts.keys()].map((partition) => ({ topic, partition })));
    }
  }

  storeGroup(s: GroupSnapshot): void {
    this.write(groupRecord(s), 1);
    this.mirror?.groupStored(s);
  }

  // Removes the group's metadata and offsets.
  deleteGroup(groupId: string): void {
    if (!this.groups.has(groupId) && !this.offsets.has(groupId)) return;
    const partitions = this.list(groupId).map(({ topic, partition }) => ({ topic, partition }));
    this.write({ type: 'delete-group', group: groupId }, 1);
    this.mirror?.groupDeleted(groupId, partitions);
  }

  private write(record: StoredRecord, entries: number): void {
    if (this.closed) throw new Error(`offset store ${this.file} is closed`);
    writeAll(this.fd, encodeLine(record));
    this.apply(record);
    this.dirty = true;
    this.recordsWritten += entries;
    this.maybeCompact();
  }

  private liveEntries(): number {
    let n = this.groups.size;
    for (const topics of this.offsets.values()) for (const parts of topics.values()) n += parts.size;
    return n;
  }

  private maybeCompact(): void {
    if (this.recordsWritten <= this.minRecords || this.recordsWritten <= 2 * this.liveEntries()) return;
    try {
      this.compact();
    } catch (err) {
      // The log is still whole; compaction will be tried again after the next writes.
      this.logger.error({ err, file: this.file }, 'group state compaction failed');
    }
  }

  // Rewrites the log as the current state: one record per group's metadata and one per group's offsets.
  compact(): void {
    const tmp = this.file + COMPACT_SUFFIX;
    const lines: Buffer[] = [];
    let entries = 0;
    for (const s of this.groups.values()) {
      lines.push(encodeLine(groupRecord(s)));
      entries++;
    }
    for (const groupId of this.offsets.keys()) {
      const list = this.list(groupId);
      lines.push(encodeLine({ type: 'offsets', group: groupId, offsets: list.map((e) => [e.topic, e.partition, e.offset, e.leaderEpoch, e.metadata, e.commitTimestamp]) }));
      entries += list.length;
    }
    const fd = fs.openSync(tmp, 'w');
    try {
      writeAll(fd, Buffer.concat(lines));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_APPEND, 0o644);
    this.recordsWritten = entries;
    this.dirty = false;
    this.logger.debug({ file: this.file, entries }, 'compacted group state log');
  }

  flush(): void {
    if (this.closed || !this.dirty) return;
    fs.fsyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

// A group's metadata as stored: member payloads in base64 so each line stays JSON.
function groupRecord(s: GroupSnapshot): StoredRecord {
  return {
    type: 'group',
    group: s.groupId,
    generationId: s.generationId,
    protocolType: s.protocolType,
    protocolName: s.protocolName,
    leaderId: s.leaderId,
    members: s.members.map((m) => ({ ...m, subscription: m.subscription.toString('base64'), assignment: m.assignment.toString('base64') })),
  };
}

function encodeLine(record: StoredRecord): Buffer {
  const json = Buffer.from(JSON.stringify(record));
  const line = Buffer.allocUnsafe(9 + json.length + 1);
  line.write(crc32c(json).toString(16).padStart(8, '0'), 0, 'latin1');
  line[8] = 0x20;
  json.copy(line, 9);
  line[line.length - 1] = 0x0a;
  return line;
}

function parseLine(line: Buffer): StoredRecord | null {
  if (line.length < 10 || line[8] !== 0x20) return null;
  const crcText = line.toString('latin1', 0, 8);
  if (!/^[0-9a-f]{8}$/.test(crcText)) return null;
  const json = line.subarray(9);
  if (crc32c(json) !== parseInt(crcText, 16)) return null;
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return null;
  }
  return isRecord(value) ? value : null;
}

// The CRC already rules out damage; this guards against records of an unknown type or shape (a newer
// version's file), which end the replay like a corrupt line instead of crashing it.
function isRecord(v: unknown): v is StoredRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  if (typeof r.group !== 'string') return false;
  switch (r.type) {
    case 'offsets':
      return Array.isArray(r.offsets) && r.offsets.every((o) => Array.isArray(o) && o.length === 6 && typeof o[0] === 'string' && typeof o[1] === 'number' && typeof o[2] === 'number' && typeof o[4] === 'string');
    case 'delete-offsets':
      return Array.isArray(r.partitions) && r.partitions.every((p) => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'number');
    case 'group':
      return typeof r.generationId === 'number' && Array.isArray(r.members);
    case 'delete-group':
      return true;
    default:
      return false;
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done);
}
