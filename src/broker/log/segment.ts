// One log segment: `<baseOffset>.log` holds RecordBatch v2 bytes back to back, exactly as produced apart
// from the patched baseOffset; `.index` and `.timeindex` are the sparse indexes (offset-index.ts,
// time-index.ts). The base offset is zero-padded to 20 digits so that names sort like offsets, as in
// Kafka. The indexes live in memory and new entries are appended to their files after each log write;
// only the active segment is ever written, and on startup its indexes are always rebuilt from the log.
// The files are opened on demand through the broker's FilePool (file-pool.ts): a segment holds no
// descriptor of its own, so an idle partition costs none.

import path from 'node:path';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { DecodeError } from '../../protocol/reader.ts';
import {
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_POS,
  COMPRESSION_NONE,
  LAST_OFFSET_DELTA_POS,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_POS,
  checkBatch,
  compressionCodec,
  decodeRecords,
  isBatchError,
  readBatchHeader,
  readInt64,
} from '../../protocol/record-batch.ts';
import type { BatchView } from '../../protocol/record-batch.ts';
import { LogError } from './log-error.ts';
import type { FilePool, PooledFile } from './file-pool.ts';
import { readFully, writeFully } from './log-fs.ts';
import type { LogFs } from './log-fs.ts';
import { OFFSET_INDEX_ENTRY_SIZE, OffsetIndex } from './offset-index.ts';
import { TIME_INDEX_ENTRY_SIZE, TimeIndex } from './time-index.ts';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';

export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, '0') + suffix;
}

// Where a batch sits in the segment, from its header alone.
export interface BatchLocation {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface TimestampMatch {
  offset: number;
  timestamp: number;
}

// Recovery reads the log in chunks of this size (larger for a larger batch).
const SCAN_CHUNK = 1024 * 1024;
// Header lookups read a window this size, enough to cover an index interval of small batches in one read.
// Shared: the log is synchronous, so no two lookups overlap.
const HEADER_WINDOW = Buffer.allocUnsafe(16 * 1024);

function storageError(message: string, cause?: unknown): LogError {
  return new LogError(ErrorCode.KAFKA_STORAGE_ERROR, message, cause === undefined ? undefined : { cause });
}

export class Segment {
  readonly baseOffset: number;
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  private readonly fs: LogFs;
  private readonly logFile: PooledFile;
  // What recovery cut off this segment's log file (a torn or corrupt tail), for the broker to log.
  recoveryTruncation: { file: string; keptBytes: number; droppedBytes: number } | null = null;
  private readonly indexFile: PooledFile;
  private readonly timeIndexFile: PooledFile;
  private readonly createdMs: number;

  size = 0;
  nextOffset: number;
  // Largest batch maxTimestamp in the segment, -1 if none carries a timestamp.
  maxTimestamp = -1;
  private offsetOfMaxTimestamp = -1;
  private firstBatchTimestamp = -1;
  private bytesSinceIndexEntry = 0;
  private offsetIndex = new OffsetIndex();
  private timeIndex = new TimeIndex();
  // Entries already in the files; the next write appends the rest, so a failed index write heals itself.
  private indexEntriesOnDisk = 0;
  private timeIndexEntriesOnDisk = 0;
  private dirty = false;

  private constructor(files: FilePool, dir: string, baseOffset: number, now: number) {
    this.fs = files.fs;
    this.baseOffset = baseOffset;
    this.nextOffset = baseOffset;
    this.createdMs = now;
    this.logPath = path.join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = path.join(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = path.join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.logFile = files.file(this.logPath);
    this.indexFile = files.file(this.indexPath);
    this.timeIndexFile = files.file(this.timeIndexPath);
  }

  // A new, empty active segment. Its three files exist (empty) when this returns.
  static create(files: FilePool, dir: string, baseOffset: number, now: number): Segment {
    const seg = new Segment(files, dir, baseOffset, now);
    try {
      for (const f of seg.files()) files.fs.truncate(f.fd(), 0);
    } catch (err) {
      seg.close();
      throw err;
    }
    return seg;
  }

  private files(): PooledFile[] {
    return [this.logFile, this.indexFile, this.timeIndexFile];
  }

  // Opens an existing segment. The active segment (recover) is always scanned: every batch is checked
  // (length, magic, CRC, contiguous offsets), the file is cut at the first bad one and the indexes are
  // rebuilt. An older segment trusts its index files when both exist (an empty file is a valid index of
  // a small segment, so a missing one must be told apart before opening creates it) and are sane for
  // nextOffset, the next segment's base offset; otherwise it is rebuilt the same way.
  static load(
    files: FilePool,
    dir: string,
    baseOffset: number,
    opts: { recover: boolean; nextOffset: number | null; indexFilesExist: boolean; now: number; indexIntervalBytes: number },
  ): Segment {
    const seg = new Segment(files, dir, baseOffset, opts.now);
    try {
      seg.size = files.fs.fstat(seg.logFile.fd()).size;
      if (!opts.recover && opts.indexFilesExist && opts.nextOffset !== null && seg.loadIndexes(opts.nextOffset)) return seg;
      seg.rebuild(opts.indexIntervalBytes);
      if (!opts.recover) seg.seal();
      return seg;
    } catch (err) {
      seg.close();
      throw err;
    }
  }

  private loadIndexes(nextOffset: number): boolean {
    const offsetLimit = nextOffset - this.baseOffset;
    const indexBytes = this.readWhole(this.indexFile);
    const timeBytes = this.readWhole(this.timeIndexFile);
    const offsetIndex = OffsetIndex.decode(indexBytes, offsetLimit, this.size);
    const timeIndex = TimeIndex.decode(timeBytes, offsetLimit);
    if (offsetIndex === null || timeIndex === null || (this.size > 0 && offsetLimit <= 0)) return false;
    this.offsetIndex = offsetIndex;
    this.timeIndex = timeIndex;
    this.indexEntriesOnDisk = offsetIndex.entries;
    this.timeIndexEntriesOnDisk = timeIndex.entries;
    this.nextOffset = nextOffset;
    // An inactive segment's last time entry is its maximum (written by seal() on roll).
    this.maxTimestamp = timeIndex.lastTimestamp;
    this.offsetOfMaxTimestamp = timeIndex.entries > 0 ? this.baseOffset + timeIndex.lastRelativeOffset : -1;
    return true;
  }

  private readWhole(file: PooledFile): Buffer {
    const size = this.fs.fstat(file.fd()).size;
    const buf = Buffer.allocUnsafe(size);
    const n = readFully(this.fs, file.fd(), buf, 0);
    return buf.subarray(0, n);
  }

  private rebuild(indexIntervalBytes: number): void {
    const fileSize = this.size;
    this.size = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.firstBatchTimestamp = -1;
    this.bytesSinceIndexEntry = 0;
    this.offsetIndex = new OffsetIndex();
    this.timeIndex = new TimeIndex();

    let chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK, fileSize));
    let chunkStart = 0;
    let chunkLength = 0;
    let pos = 0;
    while (pos < fileSize) {
      if (pos + LOG_OVERHEAD > chunkStart + chunkLength) {
        chunkLength = readFully(this.fs, this.logFile.fd(), chunk, pos, Math.min(chunk.length, fileSize - pos));
        chunkStart = pos;
      }
      if (pos + LOG_OVERHEAD > chunkStart + chunkLength) break;
      const total = LOG_OVERHEAD + chunk.readInt32BE(pos - chunkStart + BATCH_LENGTH_POS);
      // A length running past the end of the file is a torn write; checking before reading also keeps a
      // garbage length from making us allocate more than the file holds.
      if (total < BATCH_HEADER_SIZE || pos + total > fileSize) break;
      if (pos + total > chunkStart + chunkLength) {
        if (total > chunk.length) chunk = Buffer.allocUnsafe(total);
        chunkLength = readFully(this.fs, this.logFile.fd(), chunk, pos, Math.min(chunk.length, fileSize - pos));
        chunkStart = pos;
        if (total > chunkLength) break;
      }
      const rel = pos - chunkStart;
      const h = checkBatch(chunk, rel, rel + total);
      if (isBatchError(h) || h.baseOffset !== this.nextOffset) break;
      this.track(pos, total, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp, indexIntervalBytes);
      pos += total;
    }
    if (pos < fileSize) {
      this.fs.truncate(this.logFile.fd(), pos);
      this.recoveryTruncation = { file: this.logPath, keptBytes: pos, droppedBytes: fileSize - pos };
    }
    this.fs.truncate(this.indexFile.fd(), 0);
    this.fs.truncate(this.timeIndexFile.fd(), 0);
    this.indexEntriesOnDisk = 0;
    this.timeIndexEntriesOnDisk = 0;
    this.writeIndexEntries();
    this.dirty = true;
  }

  // Bookkeeping for one batch at `position`, shared by live appends and rebuilds so both produce the same
  // indexes. Mirrors Kafka's LogSegment.append: the entry goes in when more than index.interval.bytes
  // have been written since the previous one, so the first batch (position 0) is never indexed.
  private track(position: number, size: number, baseOffset: number, lastOffset: number, maxTimestamp: number, indexIntervalBytes: number): void {
    if (position === 0) this.firstBatchTimestamp = maxTimestamp;
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceIndexEntry > indexIntervalBytes) {
      this.offsetIndex.append(baseOffset - this.baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
    this.nextOffset = lastOffset + 1;
    this.size = position + size;
  }

  private writeIndexEntries(): void {
    if (this.offsetIndex.entries > this.indexEntriesOnDisk) {
      writeFully(this.fs, this.indexFile.fd(), this.offsetIndex.encode(this.indexEntriesOnDisk), this.indexEntriesOnDisk * OFFSET_INDEX_ENTRY_SIZE);
      this.indexEntriesOnDisk = this.offsetIndex.entries;
    }
    if (this.timeIndex.entries > this.timeIndexEntriesOnDisk) {
      writeFully(this.fs, this.timeIndexFile.fd(), this.timeIndex.encode(this.timeIndexEntriesOnDisk), this.timeIndexEntriesOnDisk * TIME_INDEX_ENTRY_SIZE);
      this.timeIndexEntriesOnDisk = this.timeIndex.entries;
    }
  }

  // Appends validated batches whose baseOffsets are already assigned (they start at nextOffset). One write
  // for the whole buffer; on failure the file is cut back so a later append does not land after garbage.
  append(records: Buffer, batches: readonly BatchView[], indexIntervalBytes: number): void {
    const start = this.size;
    try {
      writeFully(this.fs, this.logFile.fd(), records, start);
    } catch (err) {
      try {
        this.fs.truncate(this.logFile.fd(), start);
      } catch {
        // The write error below is the one to report; recovery on reopen cuts the torn tail anyway.
      }
      throw storageError(`write to ${this.logPath} failed`, err);
    }
    this.dirty = true;
    for (const b of batches) {
      const h = b.header;
      this.track(start + b.position, b.bytes.length, h.baseOffset, h.baseOffset + h.lastOffsetDelta, h.maxTimestamp, indexIntervalBytes);
    }
    try {
      this.writeIndexEntries();
    } catch (err) {
      throw storageError(`index write for ${this.logPath} failed`, err);
    }
  }

  // How long the segment has been open for segment.ms, as Kafka measures it: by the record timestamps
  // (incoming maximum minus the first batch's), falling back to wall-clock time since creation when the
  // first batch had no timestamp. Timestamps make replays of old data roll by data time, not arrival.
  rollAgeMs(now: number, incomingMaxTimestamp: number): number {
    return this.firstBatchTimestamp >= 0 ? incomingMaxTimestamp - this.firstBatchTimestamp : now - this.createdMs;
  }

  // Called when the segment stops being active: records its maximum timestamp as the last time index
  // entry so that retention and timestamp lookups need no scan after a restart.
  seal(): void {
    if (this.maxTimestamp >= 0) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
    this.writeIndexEntries();
    this.dirty = true;
  }

  // The batch holding `offset`, or the first batch after it; null if the segment ends before it.
  findBatch(offset: number): BatchLocation | null {
    if (offset >= this.nextOffset) return null;
    const start = this.offsetIndex.lookup(Math.max(0, offset - this.baseOffset));
    return this.scanHeaders(start, (loc) => loc.lastOffset >= offset);
  }

  // Walks batch headers from `from` until `stop` accepts one. Reads a window at a time, so the few
  // batches between an index entry and the target cost one or two reads.
  private scanHeaders(from: number, stop: (loc: BatchLocation) => boolean): BatchLocation | null {
    let windowStart = 0;
    let windowLength = 0;
    let pos = from;
    while (pos < this.size) {
      if (pos < windowStart || pos + BATCH_HEADER_SIZE > windowStart + windowLength) {
        windowLength = readFully(this.fs, this.logFile.fd(), HEADER_WINDOW, pos, Math.min(HEADER_WINDOW.length, this.size - pos));
        windowStart = pos;
        if (windowLength < BATCH_HEADER_SIZE) throw storageError(`${this.logPath} ends inside a batch header at ${pos}`);
      }
      const rel = pos - windowStart;
      const size = LOG_OVERHEAD + HEADER_WINDOW.readInt32BE(rel + BATCH_LENGTH_POS);
      if (size < BATCH_HEADER_SIZE) throw storageError(`${this.logPath} has a bad batch length at ${pos}`);
      const baseOffset = readInt64(HEADER_WINDOW, rel);
      const loc: BatchLocation = {
        position: pos,
        size,
        baseOffset,
        lastOffset: baseOffset + HEADER_WINDOW.readInt32BE(rel + LAST_OFFSET_DELTA_POS),
        maxTimestamp: readInt64(HEADER_WINDOW, rel + MAX_TIMESTAMP_POS),
      };
      if (stop(loc)) return loc;
      pos += size;
    }
    return null;
  }

  // Whole batches from `first` on, as many as fit in maxBytes but always at least `first` itself, even
  // when it alone is larger (KIP-74: a consumer must be able to make progress past a large batch).
  read(first: BatchLocation, maxBytes: number, alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
    const length = first.size >= maxBytes ? first.size : Math.min(maxBytes, this.size - first.position);
    const buf = alloc(length);
    if (readFully(this.fs, this.logFile.fd(), buf, first.position) !== length) {
      throw storageError(`short read of ${length} bytes at ${first.position} in ${this.logPath}`);
    }
    let end = first.size;
    while (end + LOG_OVERHEAD <= length) {
      const next = end + LOG_OVERHEAD + buf.readInt32BE(end + BATCH_LENGTH_POS);
      if (next > length) break;
      end = next;
    }
    return buf.subarray(0, end);
  }

  // Kafka ListOffsets by timestamp: the earliest offset whose timestamp >= ts. The time index bounds where
  // the matching batch can start; for an uncompressed batch the records are decoded to find the exact
  // record, for a compressed one (which the broker never inflates) the answer is the batch's baseOffset,
  // which at worst hands the consumer a few older records of that batch.
  findByTimestamp(ts: number): TimestampMatch | null {
    if (this.maxTimestamp < ts) return null;
    const before = this.timeIndex.lastOffsetBefore(ts);
    const startOffset = this.baseOffset + Math.max(0, before);
    const loc = this.scanHeaders(this.offsetIndex.lookup(startOffset - this.baseOffset), (l) => l.lastOffset >= startOffset && l.maxTimestamp >= ts);
    if (loc === null) return null;
    const batch = this.read(loc, 0);
    if (compressionCodec(readBatchHeader(batch, 0).attributes) === COMPRESSION_NONE) {
      try {
        for (const r of decodeRecords(batch)) if (r.timestamp >= ts) return { offset: r.offset, timestamp: r.timestamp };
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }
    return { offset: loc.baseOffset, timestamp: loc.maxTimestamp };
  }

  // The newest timestamp for retention.ms; the file's mtime when no batch carried a timestamp (as Kafka).
  largestTimestamp(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.fs.fstat(this.logFile.fd()).mtimeMs;
  }

  // A file the pool closed in the meantime is reopened for the fsync: on Linux, fsync through any
  // descriptor writes back every dirty page of the file.
  flush(): void {
    if (!this.dirty) return;
    for (const f of this.files()) this.fs.fsync(f.fd());
    this.dirty = false;
  }

  close(): void {
    let failure: unknown = null;
    for (const f of this.files()) {
      try {
        f.close();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== null) throw failure;
  }

  delete(): void {
    this.close();
    for (const p of [this.logPath, this.indexPath, this.timeIndexPath]) this.fs.unlink(p);
  }
}
