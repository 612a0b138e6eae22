// The log of one topic partition: a directory of segments (segment.ts), the last one active. Produce
// appends client RecordBatch bytes unchanged except for the baseOffset (and optionally the leader epoch),
// both outside the CRC; fetch returns whole stored batches. Records are never parsed or decompressed on
// either path. All operations are synchronous: the broker is single-threaded, so a fetch never sees a
// half-applied append, and a write is in the page cache before the produce is acknowledged.

import { ErrorCode } from '../../protocol/error-codes.ts';
import path from 'node:path';
import { setBaseOffset, setPartitionLeaderEpoch, splitBatches } from '../../protocol/record-batch.ts';
import type { BatchHeader, BatchView } from '../../protocol/record-batch.ts';
import { validateLogConfig } from './log-config.ts';
import type { LogConfig } from './log-config.ts';
import { LogError } from './log-error.ts';
import { FILES_PER_SEGMENT, FilePool } from './file-pool.ts';
import { nodeFs } from './log-fs.ts';
import type { LogFs } from './log-fs.ts';
import { INDEX_SUFFIX, LOG_SUFFIX, Segment, TIME_INDEX_SUFFIX, segmentFileName } from './segment.ts';
import type { TimestampMatch } from './segment.ts';

export interface OpenOptions {
  // The broker's shared descriptor pool; a log opened without one gets a small pool of its own.
  files?: FilePool;
  // The file system for a log without a pool (a given pool brings its own).
  fs?: LogFs;
  // Clock for segment creation times; tests pin it.
  now?: number;
}

export interface AppendOptions {
  now?: number;
  // Stamped into every batch's partitionLeaderEpoch field (clients send -1); left as sent if absent.
  partitionLeaderEpoch?: number;
  // The result of splitBatches(records) when the caller has already validated this very buffer (for
  // producer-state checks), so the CRC is not computed twice.
  batches?: BatchView[];
}

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  // Only CreateTime topics are supported, so the broker never stamps an append time.
  logAppendTime: -1;
  logStartOffset: number;
  // Headers as stored, with the assigned baseOffsets.
  batches: BatchHeader[];
}

export interface ReadResult {
  // Whole batches starting with the one that holds fetchOffset; null when there is nothing to return.
  records: Buffer | null;
  logStartOffset: number;
  logEndOffset: number;
}

export interface RetentionResult {
  deletedSegments: number;
  deletedBytes: number;
}

const INT32_MAX = 2 ** 31 - 1;
// Enough for a standalone log (tests, tools) to keep a few segments open.
const PRIVATE_POOL_FILES = 4 * FILES_PER_SEGMENT;
const SEGMENT_FILE = /^(\d{20})\.(log|index|timeindex)$/;

export class PartitionLog {
  readonly dir: string;
  private readonly fs: LogFs;
  private readonly files: FilePool;
  private cfg: LogConfig;
  // Ordered by baseOffset; never empty; the last one is active.
  private segments: Segment[];
  private totalBytes: number;
  private closed = false;

  // Tails that recovery cut off when this log was opened (file, bytes kept and dropped), for the log.
  get recoveryTruncations(): { file: string; keptBytes: number; droppedBytes: number }[] {
    return this.segments.flatMap((s) => (s.recoveryTruncation === null ? [] : [s.recoveryTruncation]));
  }

  private constructor(dir: string, files: FilePool, config: LogConfig, segments: Segment[]) {
    this.dir = dir;
    this.files = files;
    this.fs = files.fs;
    this.cfg = config;
    this.segments = segments;
    this.totalBytes = segments.reduce((n, s) => n + s.size, 0);
  }

  // Opens (creating if needed) the log in dir and recovers it: see Segment.load for what is checked.
  static open(dir: string, config: LogConfig, options: OpenOptions = {}): PartitionLog {
    validateLogConfig(config);
    const files = options.files ?? new FilePool(options.fs ?? nodeFs, PRIVATE_POOL_FILES);
    const lfs = files.fs;
    const now = options.now ?? Date.now();
    lfs.mkdirp(dir);
    const names = lfs.readdir(dir);
    const present = new Set(names);
    const logs = new Set<number>();
    const others: { base: number; name: string }[] = [];
    for (const name of names) {
      const m = SEGMENT_FILE.exec(name);
      if (m === null) continue;
      const base = Number(m[1]);
      if (!Number.isSafeInteger(base)) continue;
      if (name.endsWith(LOG_SUFFIX)) logs.add(base);
      else others.push({ base, name });
    }
    // Index files whose log is gone (a deletion cut short) would otherwise be adopted by a future
    // segment with the same base offset.
    for (const o of others) if (!logs.has(o.base)) lfs.unlink(path.join(dir, o.name));

    const bases = [...logs].sort((a, b) => a - b);
    const segments: Segment[] = [];
    try {
      for (let i = 0; i < bases.length; i++) {
        const isLast = i === bases.length - 1;
        const base = bases[i] as number;
        segments.push(
          Segment.load(files, dir, base, {
            recover: isLast,
            nextOffset: isLast ? null : (bases[i + 1] as number),
            indexFilesExist: present.has(segmentFileName(base, INDEX_SUFFIX)) && present.has(segmentFileName(base, TIME_INDEX_SUFFIX)),
            now,
            indexIntervalBytes: config.indexIntervalBytes,
          }),
        );
      }
      if (segments.length === 0) segments.push(Segment.create(files, dir, 0, now));
    } catch (err) {
      for (const s of segments) s.close();
      throw err;
    }
    return new PartitionLog(dir, files, { ...config }, segments);
  }

  get config(): Readonly<LogConfig> {
    return this.cfg;
  }

  // AlterConfigs: takes effect from the next append / retention pass.
  updateConfig(config: LogConfig): void {
    validateLogConfig(config);
    this.cfg = { ...config };
  }

  get logStartOffset(): number {
    return this.first.baseOffset;
  }

  // The next offset to assign (also the high watermark: there is a single replica).
  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get sizeInBytes(): number {
    return this.totalBytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  private get first(): Segment {
    return this.segments[0] as Segment;
  }

  private ensureOpen(): void {
    if (this.closed) throw new LogError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${this.dir} is closed`);
  }

  // Validates every batch (nothing is written, and the buffer is left untouched, if any is bad), then
  // assigns consecutive offsets by patching each batch's baseOffset in place and writes the buffer to the
  // active segment with a single write, rolling first if segment.bytes or segment.ms say so.
  append(records: Buffer, opts: AppendOptions = {}): AppendResult {
    this.ensureOpen();
    let batches = opts.batches;
    if (batches === undefined) {
      const split = splitBatches(records);
      if (!split.ok) throw new LogError(split.errorCode, split.message);
      batches = split.batches;
    } else {
      const last = batches[batches.length - 1];
      if (last === undefined || last.position + last.bytes.length !== records.length) {
        throw new LogError(ErrorCode.INVALID_RECORD, 'pre-split batches do not cover the records buffer');
      }
    }
    let count = 0;
    let incomingMaxTimestamp = -1;
    for (const b of batches) {
      if (b.bytes.length > this.cfg.maxMessageBytes) {
        throw new LogError(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${b.bytes.length} bytes exceeds max.message.bytes ${this.cfg.maxMessageBytes}`);
      }
      count += b.header.lastOffsetDelta + 1;
      if (b.header.maxTimestamp > incomingMaxTimestamp) incomingMaxTimestamp = b.header.maxTimestamp;
    }
    const baseOffset = this.logEndOffset;
    const lastOffset = baseOffset + count - 1;
    const now = opts.now ?? Date.now();

    let seg = this.active;
    if (this.shouldRoll(seg, records.length, lastOffset, incomingMaxTimestamp, now)) seg = this.roll(now);

    let next = baseOffset;
    for (const b of batches) {
      setBaseOffset(records, b.position, next);
      b.header.baseOffset = next;
      if (opts.partitionLeaderEpoch !== undefined) {
        setPartitionLeaderEpoch(records, b.position, opts.partitionLeaderEpoch);
        b.header.partitionLeaderEpoch = opts.partitionLeaderEpoch;
      }
      next += b.header.lastOffsetDelta + 1;
    }
    const sizeBefore = seg.size;
    try {
      seg.append(records, batches, this.cfg.indexIntervalBytes);
    } finally {
      // A failed index write still leaves the log bytes in place (and counted by the segment).
      this.totalBytes += seg.size - sizeBefore;
    }
    return {
      baseOffset,
      lastOffset,
      logAppendTime: -1,
      logStartOffset: this.logStartOffset,
      batches: batches.map((b) => b.header),
    };
  }

  // Kafka's LogSegment.shouldRoll: a non-empty segment rolls when the append would push it past
  // segment.bytes or it has aged past segment.ms; any segment rolls when an offset would no longer fit
  // the index's int32 relative offsets.
  private shouldRoll(seg: Segment, bytes: number, lastOffset: number, incomingMaxTimestamp: number, now: number): boolean {
    if (lastOffset - seg.baseOffset > INT32_MAX) return true;
    if (seg.size === 0) return false;
    return seg.size + bytes > this.cfg.segmentBytes || seg.rollAgeMs(now, incomingMaxTimestamp) > this.cfg.segmentMs;
  }

  private roll(now: number): Segment {
    const old = this.active;
    // Seal before the new file exists: as long as `old` is the last segment, a crash leaves it to full
    // recovery; once the new segment exists, `old` already has its final time index entry.
    old.seal();
    const seg = Segment.create(this.files, this.dir, this.logEndOffset, now);
    this.segments.push(seg);
    return seg;
  }

  // minOneBatch follows Kafka's fetch: true for the first partition of a response, so a batch larger than
  // maxBytes is still returned whole (KIP-74); false for the others, which then return nothing instead.
  // A fetchOffset outside [logStartOffset, logEndOffset] throws LogError(OFFSET_OUT_OF_RANGE), which the
  // fetch handler turns into the partition's error code so the consumer resets its position. `alloc`
  // gives the buffer the bytes are read into (the fetch handler's lease, see buffer-pool.ts).
  read(fetchOffset: number, maxBytes: number, minOneBatch = true, alloc: (size: number) => Buffer = Buffer.allocUnsafe): ReadResult {
    this.ensureOpen();
    const result: ReadResult = { records: null, logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset };
    if (fetchOffset < result.logStartOffset || fetchOffset > result.logEndOffset) {
      throw new LogError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${fetchOffset} is outside [${result.logStartOffset}, ${result.logEndOffset}] in ${this.dir}`);
    }
    if (fetchOffset === result.logEndOffset) return result;
    // A segment cut short by recovery can leave a gap before the next one; the loop then moves on and
    // returns that segment's first batch, as Kafka does for offsets removed by compaction.
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const seg = this.segments[i] as Segment;
      const loc = seg.findBatch(fetchOffset);
      if (loc !== null) {
        if (loc.size > maxBytes && !minOneBatch) return result;
        result.records = seg.read(loc, maxBytes, alloc);
        return result;
      }
    }
    return result;
  }

  // Index of the last segment whose baseOffset <= offset (0 if offset precedes all of them).
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.segments[mid] as Segment).baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  // ListOffsets by timestamp: the earliest offset whose timestamp >= ts, with that timestamp; null when
  // every record is older (the handler answers offset -1).
  offsetForTimestamp(ts: number): TimestampMatch | null {
    this.ensureOpen();
    for (const seg of this.segments) {
      if (seg.maxTimestamp >= ts) return seg.findByTimestamp(ts);
    }
    return null;
  }

  // ListOffsets MAX_TIMESTAMP (-3, KIP-734): the first record carrying the log's largest timestamp; null
  // for a log without timestamped records.
  offsetOfMaxTimestamp(): TimestampMatch | null {
    this.ensureOpen();
    let best: Segment | null = null;
    for (const seg of this.segments) if (seg.maxTimestamp >= 0 && (best === null || seg.maxTimestamp > best.maxTimestamp)) best = seg;
    return best === null ? null : best.findByTimestamp(best.maxTimestamp);
  }

  // Deletes whole segments from the front, never the active one: first those whose newest timestamp is
  // more than retention.ms before now, then the oldest ones for as long as the log stays at or above
  // retention.bytes without them (Kafka's rule, so the log never drops below the limit).
  applyRetention(now: number): RetentionResult {
    this.ensureOpen();
    const result: RetentionResult = { deletedSegments: 0, deletedBytes: 0 };
    const { retentionMs, retentionBytes } = this.cfg;
    if (retentionMs >= 0) {
      while (this.segments.length > 1 && now - this.first.largestTimestamp() > retentionMs) this.deleteFirst(result);
    }
    if (retentionBytes >= 0) {
      while (this.segments.length > 1 && this.totalBytes - this.first.size >= retentionBytes) this.deleteFirst(result);
    }
    return result;
  }

  private deleteFirst(result: RetentionResult): void {
    const seg = this.segments.shift() as Segment;
    this.totalBytes -= seg.size;
    result.deletedSegments++;
    result.deletedBytes += seg.size;
    seg.delete();
  }

  // fsync every segment written since the last flush.
  flush(): void {
    this.ensureOpen();
    for (const seg of this.segments) seg.flush();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const seg of this.segments) seg.close();
  }

  // Closes the log and removes its directory (topic deletion).
  deleteAll(): void {
    if (!this.closed) {
      this.closed = true;
      for (const seg of this.segments) seg.close();
    }
    this.fs.rmrf(this.dir);
  }
}
