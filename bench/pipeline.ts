// The whole pipeline as it runs in production, each part its own process: the embedded broker
// (`buzzline broker`), the simulator + producer (`buzzline produce`) and the stream processor
// (`buzzline consume --no-dashboard`, with the node flags `buzzline start` gives it), all on this machine.
//
// benchEndToEnd: the producer at --speed max sends N transactions while the processor consumes them
//   concurrently. The run is over when the processor's committed offsets on bank_alerts add up to N:
//   it commits only after every output of those records (alerts, dead letters, metrics) is acknowledged
//   and its snapshot stored, so that is "processed, published and checkpointed". Measured from the
//   create time of the first record (stamped by the producer with the wall clock, so producer start-up is
//   not counted) to the moment the bench sees that commit; the checkpoint interval (1 s by default) is
//   part of the figure, as it is part of what a user waits for.
//
// benchLatency: the producer at a fixed rate (a --speed that makes it) for a fixed time, with a fraud rate that gives many
//   alerts. The bench reads bank_alerts_high without a group while that runs and notes the wall-clock
//   arrival time of every alert; each alert names its source record (partition, offset) in bank_alerts,
//   whose create time the producer stamped when it sent it. Latency = arrival - create time: generation
//   to alert in the reader's hands, through the broker twice and the processor once.

import { Admin, Consumer } from '@platformatic/kafka';
import path from 'node:path';
import { CONSUMER_GROUP, TOPICS } from '../src/bank/transaction.ts';
import { PROCESSOR_NODE_FLAGS } from '../src/processor/node-flags.ts';
import { rateForAccounts } from '../src/producer/population.ts';
import { fetchAll } from '../test/helpers/fetch-all.ts';
import { spawnBroker } from '../test/helpers/processes.ts';
import type { BrokerProcess } from '../test/helpers/processes.ts';
import type { Rate } from './baseline.ts';
import { BENCH_ACCOUNTS } from './population.ts';
import { buzzline, committedTotal, firstTimestampMs, peakRssMb, sleep, stop, waitForGroup } from './processes.ts';
import type { NodeChild } from './processes.ts';

export interface PeakRss {
  brokerMb: number;
  producerMb: number;
  processorMb: number;
}

export interface EndToEndBench {
  endToEnd: Rate;
  producerOnly: Rate; // the producer's own rate in the same run (sharing the CPU with the processor), from its summary line
  alerts: number;
  dlq: number;
  rss: PeakRss;
}

export interface LatencyBench {
  rate: number; // requested transactions per second
  produced: number;
  producerSeconds: number;
  fraudRate: number;
  alerts: number;
  p50Ms: number;
  p99Ms: number;
  p99WarmMs: number; // alerts of transactions produced after the first WARM_UP_MS
  maxMs: number;
  // The two legs of the warm alerts' latency, split at the alert record's own create time (stamped by the
  // processor's producer when it sent it): transaction sent -> alert sent (the broker in, the processor
  // and its output batching) and alert sent -> read (the broker out, the reader's fetch).
  toSentP50Ms: number;
  toSentP99Ms: number;
  readP50Ms: number;
  readP99Ms: number;
  // Transactions produced per whole second of the run: the bank's own rate swings around the mean (its
  // clock runs fast, so an evening lull or a lunchtime peak passes within seconds).
  minPerSec: number;
  maxPerSec: number;
  catchUpMs: number; // after the producer stopped, until the processor had committed everything
  rss: PeakRss;
}

const SIM_ARGS = ['--seed', 'bench', '--start', '2025-01-06T00:00:00Z', '--accounts', String(BENCH_ACCOUNTS), '--new-bank'];

// The producer's "as fast as it can" flag, the one place the bench names it.
export const FULL_SPEED = ['--speed', 'max'];

interface Pipeline {
  broker: BrokerProcess;
  admin: Admin;
  processor: NodeChild;
  stopped?: boolean;
}

async function startPipeline(workDir: string, name: string): Promise<Pipeline> {
  const broker = await spawnBroker(path.join(workDir, `${name}-data`), ['--default-partitions', '3']);
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: [broker.bootstrap], retries: 2 });
  const processor = buzzline(
    ['consume', '--brokers', broker.bootstrap, '--no-dashboard', '--quiet', '--log-level', 'warn', '--log-file', path.join(workDir, `${name}-consumer.log`)],
    path.join(workDir, `${name}-consumer.rss`),
    PROCESSOR_NODE_FLAGS,
  );
  try {
    await waitForGroup(admin, CONSUMER_GROUP, TOPICS.transactions, processor);
  } catch (error) {
    await stopPipeline({ broker, admin, processor });
    throw error;
  }
  return { broker, admin, processor };
}

async function stopPipeline(p: Pipeline): Promise<{ processorRssMb: number; brokerRssMb: number; processorOut: string }> {
  p.stopped = true;
  // The broker's peak is read while it still runs; the processor reports its own on exit.
  const brokerRssMb = peakRssMb(p.broker.child.pid);
  const { peakRssMb: processorRssMb } = await stop(p.processor);
  await p.admin.close().catch(() => {});
  p.broker.child.kill('SIGTERM');
  await p.broker.exited;
  return { processorRssMb, brokerRssMb, processorOut: p.processor.stdout() };
}

function produce(p: Pipeline, workDir: string, name: string, args: string[]): NodeChild {
  return buzzline(
    ['produce', '--brokers', p.broker.bootstrap, '--acks', 'all', '--log-level', 'warn', '--log-file', path.join(workDir, `${name}-producer.log`),
      '--bank-state', path.join(workDir, `${name}-bank.json`), ...SIM_ARGS, ...args],
    path.join(workDir, `${name}-producer.rss`),
  );
}

// "produced 1,000 messages to bank_alerts in 1.2s (833 msg/s), ..." -> count and rate.
function producerSummary(out: string): { produced: number; perSec: number } {
  const m = /produced ([\d,]+) messages .* \(([\d,]+) msg\/s\)/.exec(out);
  if (!m) throw new Error(`unexpected producer output: ${out.slice(-500)}`);
  return { produced: Number(m[1]?.replaceAll(',', '')), perSec: Number(m[2]?.replaceAll(',', '')) };
}

function processorSummary(out: string): { alerts: number; dlq: number } {
  const m = /([\d,]+) to the DLQ, ([\d,]+) alerts published/.exec(out);
  return { dlq: Number(m?.[1]?.replaceAll(',', '') ?? Number.NaN), alerts: Number(m?.[2]?.replaceAll(',', '') ?? Number.NaN) };
}

async function waitForCommitted(admin: Admin, total: number, processor: NodeChild, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (BigInt(total) <= (await committedTotal(admin, CONSUMER_GROUP, TOPICS.transactions).catch(() => 0n))) return Date.now();
    if (processor.child.exitCode !== null) throw new Error(`processor exited: ${processor.stderr()}`);
    if (Date.now() > deadline) throw new Error(`processor did not commit ${total} records within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export async function benchEndToEnd(workDir: string, messages = 500_000): Promise<EndToEndBench> {
  const p = await startPipeline(workDir, 'e2e');
  let producer: NodeChild | undefined;
  try {
    producer = produce(p, workDir, 'e2e', [...FULL_SPEED, '--count', String(messages)]);
    const doneMs = await waitForCommitted(p.admin, messages, p.processor, 600_000);
    const { code, peakRssMb: producerMb } = await producer.exited;
    if (code !== 0) throw new Error(`producer failed (${code}): ${producer.stderr()}`);
    const { perSec } = producerSummary(producer.stdout());
    const firstMs = await firstTimestampMs(p.broker.bootstrap, TOPICS.transactions);
    const stopped = await stopPipeline(p);
    const { alerts, dlq } = processorSummary(stopped.processorOut);
    return {
      endToEnd: { name: 'simulate → broker → process → outputs, committed (3 processes)', messages, bytes: 0, seconds: (doneMs - firstMs) / 1000 },
      producerOnly: { name: 'producer in that run, concurrent with the processor (its own summary)', messages, bytes: 0, seconds: messages / perSec },
      alerts,
      dlq,
      rss: { brokerMb: stopped.brokerRssMb, producerMb, processorMb: stopped.processorRssMb },
    };
  } finally {
    if (producer) await stop(producer);
    if (!p.stopped) await stopPipeline(p);
  }
}

interface Arrival {
  partition: number;
  offset: bigint;
  atMs: number;
  sentMs: number; // the alert record's create time
}

// Reads bank_alerts_high from the start without a group, by raw long-polling fetches, and notes when each
// alert arrived along with the source record it names.
class AlertWatcher {
  readonly arrivals: Arrival[] = [];
  private readonly consumer: Consumer;
  private readonly next = new Map<number, bigint>();
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(bootstrap: string) {
    this.consumer = new Consumer({ clientId: 'bench-alert-watcher', groupId: 'bench-alert-watcher-unused', bootstrapBrokers: [bootstrap], retries: 2 });
  }

  async start(): Promise<void> {
    const metadata = await this.consumer.metadata({ topics: [TOPICS.alerts] });
    const meta = metadata.topics.get(TOPICS.alerts);
    if (!meta) throw new Error(`topic ${TOPICS.alerts} not in metadata`);
    for (let p = 0; p < meta.partitionsCount; p++) this.next.set(p, 0n);
    const node = [...metadata.brokers.keys()][0] ?? 1;
    this.loop = (async () => {
      while (!this.stopped) {
        const response = await this.consumer.fetch({
          node,
          maxWaitTime: 50,
          topics: [{ topicId: meta.id, partitions: [...this.next].map(([partition, fetchOffset]) => ({ partition, fetchOffset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 4 << 20 })) }],
        });
        const atMs = Date.now();
        for (const t of response.responses) {
          for (const p of t.partitions) {
            let offset = this.next.get(p.partitionIndex) ?? 0n;
            for (const batch of p.records ?? []) {
              for (const r of batch.records) {
                const o = batch.firstOffset + BigInt(r.offsetDelta);
                if (o < offset) continue;
                offset = o + 1n;
                const alert = JSON.parse(r.value?.toString() ?? 'null') as { source?: { partition: number; offset: string } } | null;
                if (alert?.source) this.arrivals.push({ partition: alert.source.partition, offset: BigInt(alert.source.offset), atMs, sentMs: Number(batch.firstTimestamp + r.timestampDelta) });
              }
            }
            this.next.set(p.partitionIndex, offset);
          }
        }
      }
    })();
  }

  async caughtUp(): Promise<boolean> {
    const ends = (await this.consumer.listOffsets({ topics: [TOPICS.alerts] })).get(TOPICS.alerts) ?? [];
    return ends.every((end, p) => (this.next.get(p) ?? 0n) >= end);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.consumer.close();
  }
}

export const WARM_UP_MS = 2000;

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

// Alerts are what the latency run times, so it needs many: 20,000 fraud incidents per 1,000 customers a
// year (the default is 15) gives a few a second at 10,000 tx/s.
export const LATENCY_FRAUD_RATE = 20_000;

export async function benchLatency(workDir: string, options: { rate?: number; seconds?: number; fraudRate?: number } = {}): Promise<LatencyBench> {
  const rate = options.rate ?? 10_000;
  const seconds = options.seconds ?? 15;
  const fraudRate = options.fraudRate ?? LATENCY_FRAUD_RATE;
  const p = await startPipeline(workDir, 'latency');
  const watcher = new AlertWatcher(p.broker.bootstrap);
  let producer: NodeChild | undefined;
  let watching = false;
  try {
    await watcher.start();
    watching = true;
    // The bank's clock runs fast enough for its accounts to make `rate` transactions per second.
    producer = produce(p, workDir, 'latency', ['--speed', String(rate / rateForAccounts(BENCH_ACCOUNTS)), '--duration', `${seconds}s`, '--fraud-rate', String(fraudRate)]);
    const { code, peakRssMb: producerMb } = await producer.exited;
    const producerDoneMs = Date.now();
    if (code !== 0) throw new Error(`producer failed (${code}): ${producer.stderr()}`);
    const { produced, perSec } = producerSummary(producer.stdout());
    const committedMs = await waitForCommitted(p.admin, produced, p.processor, 120_000);
    // Every alert of those records was acknowledged before the commit; wait until the watcher has them.
    for (let i = 0; i < 200 && !(await watcher.caughtUp()); i++) await sleep(50);
    await watcher.stop();
    watching = false;
    const created = new Map<string, number>();
    for (const [partition, records] of await fetchAll(p.broker.bootstrap, TOPICS.transactions)) {
      for (const r of records) created.set(`${partition}:${r.offset}`, Number(r.timestamp));
    }
    let firstCreatedMs = Number.POSITIVE_INFINITY;
    let lastCreatedMs = Number.NEGATIVE_INFINITY;
    for (const t of created.values()) {
      firstCreatedMs = Math.min(firstCreatedMs, t);
      lastCreatedMs = Math.max(lastCreatedMs, t);
    }
    const latencies: number[] = [];
    const warm: number[] = []; // transactions produced after the first WARM_UP_MS: start-up JIT and joins settled
    const toSent: number[] = [];
    const read: number[] = [];
    for (const a of watcher.arrivals) {
      const t = created.get(`${a.partition}:${a.offset}`);
      if (t === undefined) throw new Error(`alert for ${a.partition}:${a.offset}, which is not in ${TOPICS.transactions}`);
      latencies.push(a.atMs - t);
      if (t >= firstCreatedMs + WARM_UP_MS) {
        warm.push(a.atMs - t);
        toSent.push(a.sentMs - t);
        read.push(a.atMs - a.sentMs);
      }
    }
    for (const list of [latencies, warm, toSent, read]) list.sort((x, y) => x - y);
    // Transactions per whole second since the first, a second without any counting as 0; the last second
    // is left out, cut short by the producer's stop.
    const wholeSeconds = new Array<number>(created.size === 0 ? 0 : Math.floor((lastCreatedMs - firstCreatedMs) / 1000)).fill(0);
    for (const t of created.values()) {
      const second = Math.floor((t - firstCreatedMs) / 1000);
      if (second < wholeSeconds.length) wholeSeconds[second] = (wholeSeconds[second] as number) + 1;
    }
    const stopped = await stopPipeline(p);
    return {
      rate,
      produced,
      producerSeconds: produced / perSec,
      fraudRate,
      alerts: latencies.length,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      p99WarmMs: percentile(warm, 0.99),
      maxMs: latencies.at(-1) ?? Number.NaN,
      toSentP50Ms: percentile(toSent, 0.5),
      toSentP99Ms: percentile(toSent, 0.99),
      readP50Ms: percentile(read, 0.5),
      readP99Ms: percentile(read, 0.99),
      minPerSec: wholeSeconds.length === 0 ? Number.NaN : Math.min(...wholeSeconds),
      maxPerSec: wholeSeconds.length === 0 ? Number.NaN : Math.max(...wholeSeconds),
      catchUpMs: Math.max(0, committedMs - producerDoneMs),
      rss: { brokerMb: stopped.brokerRssMb, producerMb, processorMb: stopped.processorRssMb },
    };
  } finally {
    if (watching) await watcher.stop().catch(() => {});
    if (producer) await stop(producer);
    if (!p.stopped) await stopPipeline(p);
  }
}
