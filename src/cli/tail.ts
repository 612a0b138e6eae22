// `buzzline tail TOPIC`: print a topic's records as they arrive, as `kcat -C` users expect: from the
// end by default (-o beginning, an offset, or -N for the last N per partition), one partition with -p,
// stop after -c records or at the end with -e. Readable lines by default, one JSON object per record
// with --json. It reads without a consumer group (Metadata, ListOffsets, Fetch only), so it never takes
// partitions from anyone and leaves nothing behind.

import { Command, InvalidArgumentError, Option } from 'commander';
import { Consumer } from '@platformatic/kafka';
import { TopicReader, type ReadRecord } from '../processor/kafka-io.ts';
import { describeKafkaError } from '../kafka-errors.ts';
import { reachableOrReport } from './brokers-reachable.ts';
import type { KafkaSecurity, SecurityFlags } from '../kafka-security.ts';
import { addSecurityOptions, brokersOption, clientSecurity, integer, onShutdown } from './options.ts';

interface TailFlags extends SecurityFlags {
  brokers: string[];
  offset: StartAt;
  partition?: number;
  count?: number;
  exit?: boolean;
  json?: boolean;
}

type StartAt = { kind: 'beginning' } | { kind: 'end' } | { kind: 'absolute'; offset: bigint } | { kind: 'fromEnd'; back: bigint };

const POLL_MS = 250;

// A mistake in what was asked for, told as it is (Kafka errors get their causes spelled out instead).
class TailError extends Error {}

function startAt(raw: string): StartAt {
  if (raw === 'beginning') return { kind: 'beginning' };
  if (raw === 'end') return { kind: 'end' };
  if (/^\d+$/.test(raw)) return { kind: 'absolute', offset: BigInt(raw) };
  if (/^-\d+$/.test(raw)) return { kind: 'fromEnd', back: BigInt(raw.slice(1)) };
  throw new InvalidArgumentError(`expected beginning, end, an offset or -N (the last N records of each partition), got "${raw}"`);
}

export function tailCommand(): Command {
  return addSecurityOptions(new Command('tail')
    .description('print the records of a topic as they arrive (like kcat -C)')
    .argument('<topic>', 'topic to read')
    .addOption(brokersOption())
    .addOption(new Option('-o, --offset <where>', 'where to start: beginning, end, an offset, or -N for the last N of each partition').argParser(startAt).default({ kind: 'end' } satisfies StartAt, 'end'))
    .option('-p, --partition <n>', 'only this partition', integer(0))
    .option('-c, --count <n>', 'stop after n records', integer(1))
    .option('-e, --exit', 'stop at the end of the partitions instead of waiting for more')
    .option('--json', 'one JSON object per record: topic, partition, offset, timestamp, key, value, headers'))
    .action(async (topic: string, flags: TailFlags, command: Command) => {
      const security = clientSecurity(flags, command).connection;
      if (!(await reachableOrReport('tail', flags.brokers, security))) return;
      const controller = new AbortController();
      const done = tail(topic, flags, security, controller.signal).catch((error: unknown) => {
        console.error(`buzzline tail: ${error instanceof TailError ? error.message : describeKafkaError(error)}`);
        process.exitCode = 1;
      });
      onShutdown(() => {
        controller.abort();
        return done;
      });
      await done;
    });
}

async function tail(topic: string, flags: TailFlags, security: KafkaSecurity, signal: AbortSignal): Promise<void> {
  // The Consumer class wants a group id; only its group operations use it, and none are called.
  const consumer = new Consumer({ clientId: 'buzzline-tail', groupId: 'buzzline-tail-unused', bootstrapBrokers: flags.brokers, ...security, retries: 1, retryDelay: 250, connectTimeout: 5000 });
  const reader = new TopicReader(consumer);
  try {
    let partitionCount: number;
    try {
      partitionCount = await reader.partitionCount(topic);
    } catch (error) {
      if (/unknown topic|not found/i.test(describeKafkaError(error))) throw new TailError(`topic ${topic} does not exist`, { cause: error });
      throw error;
    }
    if (flags.partition !== undefined && flags.partition >= partitionCount) throw new TailError(`--partition ${flags.partition}: ${topic} has partitions 0 to ${partitionCount - 1}`);
    const partitions = flags.partition !== undefined ? [flags.partition] : Array.from({ length: partitionCount }, (_, i) => i);
    const next = new Map<number, bigint>();
    for (const p of partitions) {
      const { start, end } = await reader.bounds(topic, p);
      const at = flags.offset;
      const wanted = at.kind === 'beginning' ? start : at.kind === 'end' ? end : at.kind === 'absolute' ? at.offset : end - at.back;
      next.set(p, wanted < start ? start : wanted > end ? end : wanted);
    }
    // Following (no -e): say so on stderr once the start is fixed, so that someone (or a script) looking
    // at a quiet terminal knows records produced from now on will show.
    if (!flags.exit) console.error(`buzzline tail: following ${topic} (${partitions.length === 1 ? `partition ${partitions[0]}` : `${partitions.length} partitions`}); Ctrl+C stops`);
    let printed = 0;
    const print = (partition: number, r: ReadRecord) => {
      process.stdout.write(`${flags.json ? jsonLine(topic, partition, r) : readableLine(partition, r)}\n`);
      printed++;
    };
    while (!signal.aborted) {
      const ends = await reader.endOffsets(topic);
      let behind = false;
      for (const p of partitions) {
        const from = next.get(p) ?? 0n;
        let to = ends[p] ?? from;
        if (flags.count !== undefined && to - from > BigInt(flags.count - printed)) to = from + BigInt(flags.count - printed);
        if (to <= from) continue;
        behind = true;
        await reader.read(topic, p, from, to, (r) => print(p, r));
        next.set(p, to);
        if (flags.count !== undefined && printed >= flags.count) return;
      }
      if (!behind && flags.exit) return;
      if (!behind) await sleep(POLL_MS, signal);
    }
  } finally {
    await consumer.close().catch(() => undefined);
  }
}

// "[partition] @offset timestamp key value": text as it is, binary as base64.
function readableLine(partition: number, r: ReadRecord): string {
  return `[${partition}] @${r.offset} ${time(r.timestampMs)} ${text(r.key) ?? '-'} ${text(r.value) ?? '(null)'}`;
}

function jsonLine(topic: string, partition: number, r: ReadRecord): string {
  return JSON.stringify({
    topic,
    partition,
    offset: Number(r.offset),
    timestamp: time(r.timestampMs),
    key: text(r.key),
    value: text(r.value),
    headers: Object.fromEntries(r.headers),
  });
}

// A record's timestamp is whatever its producer set: one beyond what a Date holds (about 275,000 years
// from 1970) is shown as its number instead of ending tail there with "Invalid time value".
function time(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(b: Buffer | null): string | null {
  if (b === null) return null;
  try {
    return utf8.decode(b);
  } catch {
    return `base64:${b.toString('base64')}`;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
