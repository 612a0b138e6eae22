// Idempotent produce: per partition, per producer id, the epoch and the last five batches appended
// (first/last sequence and offsets), which is what Kafka's ProducerStateManager keeps. A client with
// enable.idempotence has at most five requests in flight per partition, so five batches are enough to
// recognise any retry:
// - a batch equal to one of them (same epoch, same first and last sequence) is a duplicate: it is not
//   appended again and the produce is answered with the offset it got the first time;
// - otherwise the batch must continue the sequence (last + 1, wrapping after 2^31-1) or start a newer
//   epoch at 0, else OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is INVALID_PRODUCER_EPOCH;
// - a producer we know nothing about (new, or expired) may start at any sequence, as in Kafka since KIP-360.
//
// The log is the truth. Each partition directory holds a snapshot of this state taken at some log end
// offset (written on close and every SNAPSHOT_INTERVAL_MS); on startup the snapshot is loaded and the batch
// headers after its offset are replayed, so a kill -9 only costs a scan of what was appended since the last
// snapshot. A snapshot beyond the log end (the log lost its tail in a machine crash), unreadable or failing
// its CRC is ignored and the whole log is scanned.

import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { crc32c } from '../../protocol/crc32c.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { batchSize, isControl, isTransactional, readBatchHeader, BATCH_HEADER_SIZE } from '../../protocol/record-batch.ts';
import type { BatchHeader } from '../../protocol/record-batch.ts';
import type { PartitionLog } from '../log/partition-log.ts';
import type { Partition, TopicStore } from '../topic-store.ts';

export const SNAPSHOT_FILE = 'buzzline-producer-state.snapshot';
// Kafka's max in-flight requests per connection for idempotent producers.
export const BATCHES_PER_PRODUCER = 5;
// Kafka's producer.id.expiration.ms: producers silent for a day are forgotten.
export const PRODUCER_EXPIRATION_MS = 24 * 60 * 60 * 1000;
const SNAPSHOT_INTERVAL_MS = 60_000;
const SCAN_READ_BYTES = 4 * 1024 * 1024;
const INT32_MAX = 2 ** 31 - 1;

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  // Oldest first, at most BATCHES_PER_PRODUCER.
  batches: BatchMetadata[];
  // When the producer last appended (broker clock; the batch timestamp for batches replayed from the log).
  lastTimestamp: number;
}

export type IdempotenceCheck =
  | { kind: 'append'; commit: (appended: readonly BatchHeader[]) => void }
  | { kind: 'duplicate'; firstOffset: number; lastOffset: number }
  | { kind: 'error'; errorCode: number; message: string };

// The sequence of a batch's last record: sequences wrap to 0 after INT32_MAX.
export function lastSequence(baseSequence: number, lastOffsetDelta: number): number {
  return baseSequence > INT32_MAX - lastOffsetDelta ? lastOffsetDelta - (INT32_MAX - baseSequence) - 1 : baseSequence + lastOffsetDelta;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

function idempotent(h: BatchHeader): boolean {
  return h.producerId >= 0;
}

export class PartitionProducerState {
  private readonly producers = new Map<number, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): ProducerEntry[] {
    return [...this.producers.values()];
  }

  // Validates the batches of one produce request for this partition against the state, without changing
  // it; the caller appends and then commits with the stored headers (which carry the assigned offsets).
  check(headers: readonly BatchHeader[], now = Date.now()): IdempotenceCheck {
    if (!headers.some(idempotent)) return { kind: 'append', commit: () => {} };
    // Entries as they will be after the batches before the current one, for requests carrying several.
    const working = new Map<number, { epoch: number; lastSeq: number | null }>();
    for (const h of headers) {
      if (!idempotent(h)) continue;
      if (isControl(h.attributes) || isTransactional(h.attributes)) {
        return { kind: 'error', errorCode: ErrorCode.INVALID_TXN_STATE, message: 'transactions are not supported by this broker' };
      }
      if (h.baseSequence < 0) {
        return { kind: 'error', errorCode: ErrorCode.INVALID_RECORD, message: `batch of producer ${h.producerId} has producer id but no sequence number` };
      }
      const lastSeq = lastSequence(h.baseSequence, h.lastOffsetDelta);
      const stored = this.producers.get(h.producerId);
      if (stored !== undefined && stored.epoch === h.producerEpoch) {
        const dup = stored.batches.find((b) => b.firstSeq === h.baseSequence && b.lastSeq === lastSeq);
        if (dup !== undefined) return { kind: 'duplicate', firstOffset: dup.firstOffset, lastOffset: dup.lastOffset };
      }
      const current = working.get(h.producerId) ?? (stored === undefined ? undefined : { epoch: stored.epoch, lastSeq: stored.batches.at(-1)?.lastSeq ?? null });
      if (current !== undefined) {
        if (h.producerEpoch < current.epoch) {
          return { kind: 'error', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH, message: `producer ${h.producerId} epoch ${h.producerEpoch} is older than ${current.epoch}` };
        }
        if (h.producerEpoch > current.epoch) {
          if (h.baseSequence !== 0) {
            return { kind: 'error', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, message: `producer ${h.producerId} epoch ${h.producerEpoch} must start at sequence 0, got ${h.baseSequence}` };
          }
        } else if (current.lastSeq !== null && !inSequence(current.lastSeq, h.baseSequence)) {
          return {
            kind: 'error',
            errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
            message: `producer ${h.producerId} epoch ${h.producerEpoch}: expected sequence ${current.lastSeq === INT32_MAX ? 0 : current.lastSeq + 1}, got ${h.baseSequence}`,
          };
        }
      }
      working.set(h.producerId, { epoch: h.producerEpoch, lastSeq });
    }
    return {
      kind: 'append',
      commit: (appended) => {
        for (const h of appended) this.apply(h, now);
      },
    };
  }

  // Records an appended batch (live, or replayed from the log on recovery).
  apply(h: BatchHeader, timestamp: number): void {
    if (!idempotent(h) || isControl(h.attributes)) return;
    let e = this.producers.get(h.producerId);
    if (e === undefined || e.epoch !== h.producerEpoch) {
      e = { producerId: h.producerId, epoch: h.producerEpoch, batches: [], lastTimestamp: timestamp };
      this.producers.set(h.producerId, e);
    }
    e.batches.push({ firstSeq: h.baseSequence, lastSeq: lastSequence(h.baseSequence, h.lastOffsetDelta), firstOffset: h.baseOffset, lastOffset: h.baseOffset + h.lastOffsetDelta });
    if (e.batches.length > BATCHES_PER_PRODUCER) e.batches.shift();
    e.lastTimestamp = Math.max(e.lastTimestamp, timestamp);
  }

  load(entries: readonly ProducerEntry[]): void {
    for (const e of entries) this.producers.set(e.producerId, { ...e, batches: e.batches.map((b) => ({ ...b })) });
  }

  expire(now: number, maxAgeMs = PRODUCER_EXPIRATION_MS): void {
    for (const [id, e] of this.producers) if (now - e.lastTimestamp >= maxAgeMs) this.producers.delete(id);
  }
}

interface Tracked {
  state: PartitionProducerState;
  // The log end offset the snapshot on disk was taken at (-1: none).
  snapshotOffset: number;
}

export class ProducerStateManager {
  private readonly topics: TopicStore;
  private readonly logger: Logger;
  private readonly states = new Map<Partition, Tracked>();
  private readonly timer: NodeJS.Timeout;

  private constructor(topics: TopicStore, logger: Logger) {
    this.topics = topics;
    this.logger = logger;
    this.timer = setInterval(() => {
      try {
        this.snapshotAll();
      } catch (err) {
        this.logger.error({ err }, 'producer state snapshots failed');
      }
    }, SNAPSHOT_INTERVAL_MS);
    this.timer.unref();
  }

  // Loads the state of every partition now, before any append: a snapshot is only trusted against the log
  // it was taken from, so it must be checked before new appends move the log end past it.
  static open(topics: TopicStore, logger: Logger): ProducerStateManager {
    const m = new ProducerStateManager(topics, logger);
    for (const t of topics.list()) for (const p of t.partitions) m.forPartition(p);
    return m;
  }

  forPartition(p: Partition): PartitionProducerState {
    let tracked = this.states.get(p);
    if (tracked === undefined) {
      tracked = recover(p.log, this.logger);
      this.states.set(p, tracked);
    }
    return tracked.state;
  }

  // The topic is gone (its directories with it); forget its partitions.
  forgetTopic(name: string): void {
    for (const p of this.states.keys()) if (p.topic.name === name) this.states.delete(p);
  }

  // Writes a snapshot for every partition whose log moved since its last one.
  snapshotAll(now = Date.now()): void {
    for (const [p, tracked] of this.states) {
      if (this.topics.partition(p.topic.name, p.index) !== p) {
        this.states.delete(p);
        continue;
      }
      const offset = p.log.logEndOffset;
      if (offset === tracked.snapshotOffset) continue;
      tracked.state.expire(now);
      try {
        writeSnapshot(p.log.dir, offset, tracked.state.entries());
        tracked.snapshotOffset = offset;
      } catch (err) {
        this.logger.warn({ err, dir: p.log.dir }, 'cannot write producer state snapshot');
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.snapshotAll();
    this.states.clear();
  }
}

function recover(log: PartitionLog, logger: Logger): Tracked {
  const state = new PartitionProducerState();
  const end = log.logEndOffset;
  const snap = readSnapshot(log.dir);
  let from = log.logStartOffset;
  let snapshotOffset = -1;
  if (snap !== null && snap.offset <= end) {
    state.load(snap.producers);
    from = Math.max(from, snap.offset);
    snapshotOffset = snap.offset;
  } else if (snap !== null) {
    logger.warn({ dir: log.dir, snapshotOffset: snap.offset, logEndOffset: end }, 'producer state snapshot is ahead of the log, rebuilding from the log');
  }
  const scanned = scan(log, from, end, state);
  if (scanned > 0) logger.info({ dir: log.dir, from, batches: scanned }, 'rebuilt producer state from the log');
  state.expire(Date.now());
  return { state, snapshotOffset: scanned === 0 ? snapshotOffset : -1 };
}

// Replays the batch headers in [from, end) into the state; returns how many batches were read.
function scan(log: PartitionLog, from: number, end: number, state: PartitionProducerState): number {
  let next = from;
  let batches = 0;
  while (next < end) {
    const { records } = log.read(next, SCAN_READ_BYTES, true);
    if (records === null) break;
    let pos = 0;
    const before = next;
    while (pos + BATCH_HEADER_SIZE <= records.length) {
      const h = readBatchHeader(records, pos);
      const size = batchSize(h);
      if (pos + size > records.length) break;
      // The first batch returned may hold `next` without starting at it; it was replayed already.
      if (h.baseOffset >= next) {
        state.apply(h, h.maxTimestamp);
        batches++;
      }
      next = Math.max(next, h.baseOffset + h.lastOffsetDelta + 1);
      pos += size;
    }
    if (next === before) break;
  }
  return batches;
}

interface Snapshot {
  offset: number;
  producers: ProducerEntry[];
}

type StoredProducer = [producerId: number, epoch: number, lastTimestamp: number, batches: [number, number, number, number][]];

function writeSnapshot(dir: string, offset: number, producers: readonly ProducerEntry[]): void {
  const stored: StoredProducer[] = producers.map((e) => [e.producerId, e.epoch, e.lastTimestamp, e.batches.map((b) => [b.firstSeq, b.lastSeq, b.firstOffset, b.lastOffset])]);
  const json = Buffer.from(JSON.stringify({ offset, producers: stored }));
  const file = path.join(dir, SNAPSHOT_FILE);
  const tmp = `${file}.tmp`;
  // No fsync: a snapshot lost or torn in a machine crash fails its CRC and the log is scanned instead.
  fs.writeFileSync(tmp, Buffer.concat([Buffer.from(crc32c(json).toString(16).padStart(8, '0') + ' '), json]));
  fs.renameSync(tmp, file);
}

function readSnapshot(dir: string): Snapshot | null {
  let data: Buffer;
  try {
    data = fs.readFileSync(path.join(dir, SNAPSHOT_FILE));
  } catch {
    return null;
  }
  if (data.length < 10 || data[8] !== 0x20) return null;
  const json = data.subarray(9);
  if (crc32c(json) !== parseInt(data.toString('latin1', 0, 8), 16)) return null;
  try {
    const v = JSON.parse(json.toString('utf8')) as { offset: number; producers: StoredProducer[] };
    if (!Number.isSafeInteger(v.offset) || !Array.isArray(v.producers)) return null;
    return {
      offset: v.offset,
      producers: v.producers.map(([producerId, epoch, lastTimestamp, batches]) => ({
        producerId,
        epoch,
        lastTimestamp,
        batches: batches.map(([firstSeq, lastSeq, firstOffset, lastOffset]) => ({ firstSeq, lastSeq, firstOffset, lastOffset })),
      })),
    };
  } catch {
    return null;
  }
}
