// RunnerPorts over @platformatic/kafka: outputs through a Producer (acks=all), snapshots in the state
// topic, alert read-back and snapshot lookup through group-less Fetch requests, and offset commits
// through the group Consumer.
//
// Snapshot records: key `${group}/${sourceTopic}/${partition}` (full) or `<that>/delta/<seq>` (delta
// checkpoints, headers `delta-seq` and `delta-base-offset`), value = encodeSnapshot() (gzip'd JSON),
// headers `alerts-offset`, `notifications-offset`, `cases-offset` and `next-offset`, in partition (source
// partition mod N) of the state topic. The latest full snapshot of a partition is the last record with its
// key: looked up by reading backwards from the end of that state partition in growing steps, which is a
// few small fetches when, as usual, it is among the last records; its deltas are the records after it.
// The embedded broker does not compact; on Kafka the topic can be compacted (it holds one live value per
// key, and the keys keep what a restore reads), and the lookup works either way.
import { findErrorBy, ListOffsetTimestamps, ProtocolError, type Consumer, type MessagesStream, type Producer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { RestartableError } from './failures.ts';
import { KEYED_OUTPUTS, type CommitOffset, type KeyedOutput, type OutputOffsets, type RunnerPorts, type SnapshotRecord, type StoredSnapshot } from './runner-ports.ts';
import { DLQ_HEADERS } from './partition-processor.ts';
import { deadLetterByReference, OUTPUT_HEADERS, routePartition, type OutputKind, type OutputRecord } from './sinks.ts';
import { resolveChain, type ChainRecord } from './snapshot-chain.ts';

export const STATE_HEADERS = {
  alertsOffset: 'alerts-offset',
  notificationsOffset: 'notifications-offset',
  casesOffset: 'cases-offset',
  nextOffset: 'next-offset',
  // A delta checkpoint's place in its chain (SnapshotRecord); absent on full snapshots.
  deltaSeq: 'delta-seq',
  deltaBase: 'delta-base-offset',
} as const;

const OFFSET_HEADER: Record<KeyedOutput, string> = { alerts: STATE_HEADERS.alertsOffset, notifications: STATE_HEADERS.notificationsOffset, cases: STATE_HEADERS.casesOffset };

export interface OutputTopics {
  alerts: string;
  notifications: string;
  cases: string;
  dlq: string;
  metrics: string;
  state: string;
}

export interface ReadRecord {
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Map<string, string>;
  timestampMs: number; // the record's timestamp (CreateTime as the producer set it)
}

// A fetch that brings nothing while the data is known to be there means the broker is not serving it.
const MAX_EMPTY_FETCHES = 20;
// Large enough for a whole snapshot in one response; the broker returns at least one batch regardless.
const READ_PARTITION_BYTES = 8 << 20;

// Reads partitions directly, without a consumer group: the Consumer given is only used for Metadata,
// ListOffsets and Fetch and never joins its group.
export class TopicReader {
  private readonly consumer: Consumer;

  constructor(consumer: Consumer) {
    this.consumer = consumer;
  }

  async partitionCount(topic: string): Promise<number> {
    const meta = await this.consumer.metadata({ topics: [topic] });
    const t = meta.topics.get(topic);
    if (t === undefined) throw new RestartableError(`topic ${topic} not found`);
    return t.partitionsCount;
  }

  async endOffsets(topic: string): Promise<bigint[]> {
    return (await this.endOffsetsOf([topic])).get(topic) ?? [];
  }

  // Several topics' end offsets in one request (per leader).
  endOffsetsOf(topics: readonly string[]): Promise<Map<string, bigint[]>> {
    return this.consumer.listOffsets({ topics: [...topics], timestamp: ListOffsetTimestamps.LATEST });
  }

  async bounds(topic: string, partition: number): Promise<{ start: bigint; end: bigint }> {
    const partitions = { [topic]: [partition] };
    const [starts, ends] = await Promise.all([
      this.consumer.listOffsets({ topics: [topic], partitions, timestamp: ListOffsetTimestamps.EARLIEST }),
      this.consumer.listOffsets({ topics: [topic], partitions, timestamp: ListOffsetTimestamps.LATEST }),
    ]);
    return { start: starts.get(topic)?.[partition] ?? 0n, end: ends.get(topic)?.[partition] ?? 0n };
  }

  // Calls onRecord for every record with from <= offset < to, in offset order; a promise it returns is
  // awaited before the next record (the reader's consumer is behind).
  async read(topic: string, partition: number, from: bigint, to: bigint, onRecord: (r: ReadRecord) => Promise<void> | void): Promise<void> {
    if (from >= to) return;
    const meta = await this.consumer.metadata({ topics: [topic] });
    const t = meta.topics.get(topic);
    const leader = t?.partitions[partition]?.leader;
    if (t === undefined || leader === undefined) throw new RestartableError(`${topic}-${partition} not found`);
    let next = from;
    let empty = 0;
    while (next < to) {
      const response = await this.consumer.fetch({
        node: leader,
        maxWaitTime: 0,
        minBytes: 0,
        topics: [{ topicId: t.id, partitions: [{ partition, fetchOffset: next, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: READ_PARTITION_BYTES }] }],
      });
      const before = next;
      for (const topicResponse of response.responses) {
        for (const p of topicResponse.partitions) {
          // The ProtocolError carries the client's flags (canRetry) for the error code.
          if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${next} failed`, { cause: new ProtocolError(p.errorCode) });
          for (const batch of p.records ?? []) {
            for (const r of batch.records) {
              const offset = batch.firstOffset + BigInt(r.offsetDelta);
              // A fetch starts at the batch holding fetchOffset; records before it were already read.
              if (offset < next || offset >= to) continue;
              const headers = new Map<string, string>();
              for (const [k, v] of r.headers) if (k !== null) headers.set(k.toString('utf8'), v === null ? '' : v.toString('utf8'));
              const wait = onRecord({ offset, key: r.key, value: r.value, headers, timestampMs: Number(batch.firstTimestamp + r.timestampDelta) });
              next = offset + 1n;
              if (wait !== undefined) await wait;
            }
            // Batches may end in offsets without records for us (control records, compaction).
            const last = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
            if (last > next) next = last < to ? last : to;
          }
        }
      }
      if (next === before && ++empty > MAX_EMPTY_FETCHES) throw new RestartableError(`reading ${topic}-${partition} makes no progress at offset ${next}`);
    }
  }
}

export interface KafkaPortsOptions {
  producer: Producer<Buffer, Buffer, string, string>;
  reader: TopicReader;
  consumer: Consumer; // the group member, for commits
  sourceTopic: string;
  group: string;
  topics: OutputTopics;
  partitionCounts: Record<keyof OutputTopics, number>;
  logger: Logger;
}

export class KafkaPorts implements RunnerPorts {
  private readonly o: KafkaPortsOptions;
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null = null;

  constructor(options: KafkaPortsOptions) {
    this.o = options;
  }

  attach(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): void {
    this.stream = stream;
  }

  // Dead letters go in sends of their own, one per DLQ partition, beside one send for everything else:
  // each is then a single batch for a single partition, which the broker appends or refuses whole.
  async send(records: OutputRecord[]): Promise<void> {
    const others: OutputRecord[] = [];
    const deadLetters = new Map<number, OutputRecord[]>();
    for (const r of records) {
      if (r.kind !== 'dlq') {
        others.push(r);
        continue;
      }
      const p = routePartition(r.sourcePartition, this.o.partitionCounts.dlq);
      const list = deadLetters.get(p);
      if (list === undefined) deadLetters.set(p, [r]);
      else list.push(r);
    }
    await Promise.all([others.length > 0 ? this.produce(others) : undefined, ...[...deadLetters.values()].map((list) => this.sendDeadLetters(list))]);
  }

  // The batcher keeps every dead letter under the DLQ topic's max.message.bytes as read at start, but the
  // topic (or a real cluster's broker-wide message.max.bytes) may allow less. A refusal for size
  // (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE) is about those records, not the broker, and a restart would
  // only meet it again: the batch was refused whole, so its dead letters are sent again one by one, and
  // one refused on its own goes without its value, by reference to the original (sinks.ts). Each dead
  // letter is written once, and processing goes on.
  private async sendDeadLetters(list: OutputRecord[]): Promise<void> {
    try {
      await this.produce(list);
      return;
    } catch (err) {
      if (!tooLarge(err)) throw err;
    }
    for (const r of list) {
      if (list.length > 1) {
        try {
          await this.produce([r]);
          continue;
        } catch (err) {
          if (!tooLarge(err)) throw err;
        }
      }
      const byReference = deadLetterByReference(r);
      this.o.logger.warn(
        { event: 'dlq-by-reference', topic: this.o.topics.dlq, headers: byReference.headers },
        `dead letter of ${r.headers[DLQ_HEADERS.topic] ?? '?'}-${r.headers[DLQ_HEADERS.partition] ?? '?'} offset ${r.headers[DLQ_HEADERS.offset] ?? '?'} (${r.value?.length ?? 0} bytes) refused by ${this.o.topics.dlq} as too large: sent without its value, by reference`,
      );
      await this.produce([byReference]);
    }
  }

  private async produce(records: readonly OutputRecord[]): Promise<void> {
    const { topics, partitionCounts } = this.o;
    const topicOf: Record<OutputKind, keyof OutputTopics> = { alert: 'alerts', notification: 'notifications', case: 'cases', dlq: 'dlq', metrics: 'metrics' };
    await this.o.producer.send({
      messages: records.map((r) => {
        const kind = topicOf[r.kind];
        return {
          topic: topics[kind],
          partition: routePartition(r.sourcePartition, partitionCounts[kind]),
          key: r.key ?? undefined,
          value: r.value ?? undefined,
          headers: r.headers,
        };
      }),
    });
  }

  // The latest full snapshot, then the delta checkpoints after it (snapshot-chain.ts).
  async loadSnapshot(partition: number): Promise<StoredSnapshot | null> {
    const topic = this.o.topics.state;
    const statePartition = routePartition(partition, this.o.partitionCounts.state);
    const wanted = this.snapshotKey(partition);
    const { start, end } = await this.o.reader.bounds(topic, statePartition);
    let hi = end;
    let span = 1n;
    while (hi > start) {
      const lo = hi - span > start ? hi - span : start;
      let found: ReadRecord | null = null;
      await this.o.reader.read(topic, statePartition, lo, hi, (r) => {
        if (r.key !== null && r.key.toString('utf8') === wanted) found = r;
      });
      if (found !== null) {
        const full = found as ReadRecord;
        if (full.value === null) return null; // a tombstone: the state was deliberately deleted
        const deltaKey = `${wanted}/delta/`;
        const later: ChainRecord[] = [];
        await this.o.reader.read(topic, statePartition, full.offset + 1n, end, (r) => {
          if (r.key === null || r.value === null || !r.key.toString('utf8').startsWith(deltaKey)) return;
          const seq = Number(r.headers.get(STATE_HEADERS.deltaSeq));
          const baseOffset = r.headers.get(STATE_HEADERS.deltaBase);
          if (Number.isInteger(seq) && baseOffset !== undefined) later.push({ seq, baseOffset, value: r.value, outputsFrom: outputOffsets(r.headers) });
        });
        const stored = resolveChain(partition, { seq: 0, baseOffset: '', value: full.value, outputsFrom: outputOffsets(full.headers) }, later);
        this.o.logger.debug(
          { event: 'snapshot-found', partition, stateOffset: String(full.offset), deltas: stored.deltas, nextOffset: stored.snapshot.nextOffset },
          'snapshot found',
        );
        return stored;
      }
      hi = lo;
      span *= 8n;
    }
    return null;
  }

  async emittedIds(partition: number, from: OutputOffsets, fromSourceOffset: bigint): Promise<string[]> {
    const ids: string[] = [];
    const source = String(partition);
    for (const output of KEYED_OUTPUTS) {
      const topic = this.o.topics[output];
      const outputPartition = routePartition(partition, this.o.partitionCounts[output]);
      const { start, end } = await this.o.reader.bounds(topic, outputPartition);
      const at = from[output];
      await this.o.reader.read(topic, outputPartition, at !== undefined && at > start ? at : start, end, (r) => {
        if (r.headers.get(OUTPUT_HEADERS.group) !== this.o.group || r.headers.get(OUTPUT_HEADERS.sourcePartition) !== source) return;
        const offset = offsetHeader(r.headers, OUTPUT_HEADERS.sourceOffset);
        if (offset !== undefined && offset < fromSourceOffset) return;
        const id = r.headers.get(OUTPUT_HEADERS.alertId);
        if (id !== undefined) ids.push(id);
      });
    }
    return ids;
  }

  // Asked at every checkpoint while processing waits: one request for the three topics, not three in turn.
  async outputEnds(partitions: readonly number[]): Promise<Map<number, OutputOffsets>> {
    const out = new Map<number, OutputOffsets>(partitions.map((p) => [p, {}]));
    const all = await this.o.reader.endOffsetsOf(KEYED_OUTPUTS.map((output) => this.o.topics[output]));
    for (const output of KEYED_OUTPUTS) {
      const ends = all.get(this.o.topics[output]) ?? [];
      for (const p of partitions) {
        const end = ends[routePartition(p, this.o.partitionCounts[output])];
        if (end !== undefined) (out.get(p) as OutputOffsets)[output] = end;
      }
    }
    return out;
  }

  // A full snapshot under the partition's key, a delta under `<key>/delta/<seq>`: a compacted topic keeps
  // the newest full snapshot and the newest delta of each seq, which are those of the newest chain.
  async saveSnapshots(snapshots: readonly SnapshotRecord[]): Promise<void> {
    await this.o.producer.send({
      messages: snapshots.map((s) => ({
        topic: this.o.topics.state,
        partition: routePartition(s.partition, this.o.partitionCounts.state),
        key: Buffer.from(s.seq === 0 ? this.snapshotKey(s.partition) : `${this.snapshotKey(s.partition)}/delta/${s.seq}`),
        // A copy that crossed from the processing thread arrives as a plain Uint8Array.
        value: Buffer.from(s.value.buffer, s.value.byteOffset, s.value.byteLength),
        headers: {
          [STATE_HEADERS.nextOffset]: s.nextOffset,
          ...(s.seq === 0 ? {} : { [STATE_HEADERS.deltaSeq]: String(s.seq), [STATE_HEADERS.deltaBase]: s.baseOffset }),
          ...Object.fromEntries(KEYED_OUTPUTS.flatMap((output) => (s.outputsFrom[output] === undefined ? [] : [[OFFSET_HEADER[output], String(s.outputsFrom[output])]]))),
        },
      })),
    });
  }

  async commit(offsets: readonly CommitOffset[]): Promise<void> {
    try {
      await this.o.consumer.commit({ offsets: offsets.map((o) => ({ topic: this.o.sourceTopic, partition: o.partition, offset: o.offset, leaderEpoch: -1 })) });
    } catch (err) {
      // During a rebalance the group refuses commits of the old generation. The snapshots are stored,
      // and they, not the commit, are what a restore starts from, so a refused commit costs nothing but
      // a few skipped records for whoever owns the partition next.
      if (!needsRejoin(err)) throw err;
      this.o.logger.info({ event: 'commit-refused', reason: (err as Error).message }, 'offset commit refused during a rebalance');
    }
  }

  // Fetch positions live in the stream's offsetsToFetch map, which the library reads before every fetch.
  // Setting it is the only way to seek in group mode; a fetch already under way may still deliver
  // records from the old position, which the runner drops until the wanted offset arrives.
  seek(partition: number, offset: bigint): void {
    this.stream?.offsetsToFetch.set(`${this.o.sourceTopic}:${partition}`, offset);
  }

  // The fetch position is where the client's next fetch starts, past every record (and control record) it
  // has fetched; records it fetched but the runner has not applied yet are on their way.
  async backlogged(partitions: readonly number[]): Promise<number[]> {
    const topic = this.o.sourceTopic;
    const ends = (await this.o.reader.endOffsetsOf([topic])).get(topic) ?? [];
    return partitions.filter((p) => {
      const end = ends[p];
      const at = this.stream?.offsetsToFetch.get(`${topic}:${p}`);
      return end !== undefined && at !== undefined && at < end;
    });
  }

  private snapshotKey(partition: number): string {
    return `${this.o.group}/${this.o.sourceTopic}/${partition}`;
  }
}

function outputOffsets(headers: Map<string, string>): OutputOffsets {
  const outputsFrom: OutputOffsets = {};
  for (const output of KEYED_OUTPUTS) {
    const at = offsetHeader(headers, OFFSET_HEADER[output]);
    if (at !== undefined) outputsFrom[output] = at;
  }
  return outputsFrom;
}

// A header holding an offset; undefined when it is absent or not a decimal number.
function offsetHeader(headers: ReadonlyMap<string, string>, name: string): bigint | undefined {
  const text = headers.get(name);
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
}

// The library marks group errors that need a rejoin (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION,
// UNKNOWN_MEMBER_ID) with needsRejoin, possibly nested in AggregateErrors.
export function needsRejoin(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if ((current as Error & { needsRejoin?: boolean }).needsRejoin === true) return true;
    const nested = (current as Error & { errors?: unknown[] }).errors;
    if (nested !== undefined && nested.some((e) => needsRejoin(e))) return true;
    current = current.cause;
  }
  return false;
}

// Kafka's refusals of a batch for its size: the record (MESSAGE_TOO_LARGE) or the batch
// (RECORD_LIST_TOO_LARGE) exceeds what the topic accepts.
function tooLarge(err: unknown): boolean {
  return findErrorBy(err as Error, 'apiId', 'MESSAGE_TOO_LARGE') !== null || findErrorBy(err as Error, 'apiId', 'RECORD_LIST_TOO_LARGE') !== null;
}
