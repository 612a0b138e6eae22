// `npm run bench`: every benchmark in one run, beside baselines measured in the same run, printed as a
// Markdown report (also written to docs/benchmarks.md with --write).
//
// Sizes (environment): BENCH_MESSAGES (kcat, Redis and loopback messages, 1,000,000), BENCH_SIM_EVENTS
// (1,000,000), BENCH_PRODUCER_MESSAGES (1,000,000), BENCH_PROCESSOR_MESSAGES (1,000,000),
// BENCH_E2E_MESSAGES (500,000), BENCH_LATENCY_RATE (10,000 tx/s), BENCH_LATENCY_SECONDS (15),
// BENCH_FRAUD_RATE (20,000 incidents per 1,000 customers a year, for the latency run), BENCH_FORMAT_RECORDS (60,000 simulated records whose windows
// and alerts the record-format writers and parsers are timed on), BENCH_REALISM_EVENTS (500,000 seeded events
// for the realism targets; the full report is `npm run bench:realism`), BENCH_DETECTION_EVENTS (500,000 per
// stream for the detection targets at the default, 5x and 10x fraud level; the full report with a second
// seed is `npm run bench:detection`), BENCH_ACCOUNTS (the simulated bank's accounts, bench/population.ts:
// the producer's default bank). With the defaults the run takes about 6 minutes on 2 cores.
//
// A section that fails is reported as failed in the report, and the run goes on with the next one.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackRate, mbPerSec, msgsPerSec, redisXaddRate } from './baseline.ts';
import type { Rate } from './baseline.ts';
import { benchBroker } from './broker.ts';
import type { BrokerBench } from './broker.ts';
import { benchEndToEnd, benchLatency, FULL_SPEED, LATENCY_FRAUD_RATE, WARM_UP_MS } from './pipeline.ts';
import type { EndToEndBench, LatencyBench } from './pipeline.ts';
import { benchProcessor, COLD_RECORDS } from './processor.ts';
import type { ProcessorBenchRow } from './processor.ts';
import { benchProducerIsolated } from './producer.ts';
import { benchRecordFormats, ROUNDS, WINDOWS_PER_VALUE } from './record-formats.ts';
import type { RecordFormatsBench } from './record-formats.ts';
import { DETECTION_DEFAULTS, renderDetectionTargets, runDetection } from './detection.ts';
import type { DetectionResult } from './detection.ts';
import { REALISM_DEFAULTS, renderTargets, runRealism } from './realism.ts';
import type { RealismResult } from './realism.ts';
import type { ProducerBench } from './producer.ts';
import { DEFAULT_FRAUD_RATE } from '../src/bank/scenarios/fraud.ts';
import { BENCH_ACCOUNTS } from './population.ts';
import { benchSimulate } from './simulate.ts';
import type { SimulateBench } from './simulate.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

const MESSAGES = sizeFromEnv('BENCH_MESSAGES', 1_000_000);
const SIM_EVENTS = sizeFromEnv('BENCH_SIM_EVENTS', 1_000_000);
const PRODUCER_MESSAGES = sizeFromEnv('BENCH_PRODUCER_MESSAGES', 1_000_000);
const PROCESSOR_MESSAGES = sizeFromEnv('BENCH_PROCESSOR_MESSAGES', 1_000_000);
const E2E_MESSAGES = sizeFromEnv('BENCH_E2E_MESSAGES', 500_000);
const LATENCY_RATE = sizeFromEnv('BENCH_LATENCY_RATE', 10_000);
const LATENCY_SECONDS = sizeFromEnv('BENCH_LATENCY_SECONDS', 15);
const FRAUD_RATE = sizeFromEnv('BENCH_FRAUD_RATE', LATENCY_FRAUD_RATE);
const FORMAT_RECORDS = sizeFromEnv('BENCH_FORMAT_RECORDS', 60_000);
const REALISM_EVENTS = sizeFromEnv('BENCH_REALISM_EVENTS', REALISM_DEFAULTS.events);
const DETECTION_EVENTS = sizeFromEnv('BENCH_DETECTION_EVENTS', DETECTION_DEFAULTS.events);
const SIZE = 200;

const PRODUCER_TARGET = 150_000;
// Issue 15: generating (and encoding) events stays at 500,000 a second or more, headroom for the producer.
const SIMULATOR_TARGET = 500_000;
const INGEST_TARGET = 400_000;
// Issue 14's targets (the processor's replaces issue 5's 150,000): processed records/s with the default
// settings, transactions/s simulated to committed, alert latency after the warm-up, and peak RSS.
const PROCESSOR_TARGET = 250_000;
const E2E_TARGET = 150_000;
const P99_TARGET_MS = 10;
const BROKER_RSS_TARGET_MB = 200;
const PROCESSOR_RSS_TARGET_MB = 350;

const lines: string[] = [];
const out = (s = '') => {
  lines.push(s);
  console.log(s);
};
const progress = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const mb = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');

interface Section<T> {
  value: T | undefined;
  error: string | undefined;
}

async function section<T>(what: string, f: () => Promise<T> | T): Promise<Section<T>> {
  const started = performance.now();
  progress(`${what}…`);
  try {
    const value = await f();
    progress(`${what}: ${((performance.now() - started) / 1000).toFixed(1)}s`);
    return { value, error: undefined };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    progress(`${what} FAILED: ${(error as Error).stack ?? message}`);
    return { value: undefined, error: message.slice(0, 200) };
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzline-bench-'));
const startedAt = performance.now();
const loadBefore = os.loadavg()[0] ?? 0;
try {
  const loopback = await section('raw loopback', () => loopbackRate(MESSAGES * SIZE, SIZE));
  const redis = await section('Redis XADD', () => redisXaddRate(MESSAGES, SIZE));
  const broker = await section<BrokerBench>('broker with kcat', () => benchBroker(work, MESSAGES, SIZE));
  const simulate = await section<SimulateBench>('simulator', () => benchSimulate(SIM_EVENTS, BENCH_ACCOUNTS, DEFAULT_FRAUD_RATE));
  const producer = await section<ProducerBench>('producer → broker', () => benchProducerIsolated(work, PRODUCER_MESSAGES));
  const processor = await section<ProcessorBenchRow[]>('processor', () => benchProcessor(work, PROCESSOR_MESSAGES));
  const e2e = await section<EndToEndBench>('end to end', () => benchEndToEnd(work, E2E_MESSAGES));
  const latency = await section<LatencyBench>('latency', () => benchLatency(work, { rate: LATENCY_RATE, seconds: LATENCY_SECONDS, fraudRate: FRAUD_RATE }));
  const formats = await section<RecordFormatsBench>('record formats', () => benchRecordFormats(FORMAT_RECORDS));
  const realism = await section<RealismResult>('realism', () => runRealism({ ...REALISM_DEFAULTS, events: REALISM_EVENTS }));
  const detection = await section<DetectionResult>('detection', () => runDetection({ ...DETECTION_DEFAULTS, events: DETECTION_EVENTS, seed2: undefined, holdout: undefined }));
  const loadAfter = os.loadavg()[0] ?? 0;
  const totalSeconds = (performance.now() - startedAt) / 1000;

  const redisRate = redis.value ?? undefined;
  const loopbackValue = loopback.value;
  const ratio = (r: Rate, base: Rate | undefined) => (base ? `${(msgsPerSec(r) / msgsPerSec(base)).toFixed(2)}` : '–');
  const cpu = os.cpus();

  out('# buzzline benchmarks');
  out();
  out(`Generated by \`npm run bench -- --write\` (bench/run.ts); every figure below comes from one run on one machine.`);
  out();
  out(`Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. ` +
    `Load average (1 min) ${loadBefore.toFixed(2)} before and ${loadAfter.toFixed(2)} after the ${Math.round(totalSeconds)} s run: ` +
    `every process of the pipeline shares these ${cpu.length} cores (with anything else running), so the figures are for a small, shared machine.`);
  out();

  out('## Throughput');
  out();
  out(`| what | msgs/s | MB/s | × Redis XADD | × loopback | target |`);
  out('|---|---:|---:|---:|---:|---|');
  const verdicts: string[] = [];
  const row = (r: Rate, target = '') => {
    const bytes = r.bytes > 0 ? mbPerSec(r).toFixed(1) : '–';
    out(`| ${r.name} | ${n0(msgsPerSec(r))} | ${bytes} | ${ratio(r, redisRate)} | ${ratio(r, loopbackValue)} | ${target} |`);
  };
  const failed = (what: string, s: Section<unknown>) => {
    if (s.error !== undefined) out(`| ${what}: **failed** (${s.error.replaceAll('|', '/')}) | | | | | |`);
  };
  const targeted = (r: Rate, what: string, target: number) => {
    const met = msgsPerSec(r) >= target;
    verdicts.push(`- ${what}: ${n0(msgsPerSec(r))} msgs/s against a target of ≥ ${n0(target)} — **${met ? 'met' : 'MISSED'}**` +
      (met ? '.' : ` (${((msgsPerSec(r) / target) * 100).toFixed(0)}% of target).`));
    return `≥ ${n0(target)}: ${met ? 'met' : '**missed**'}`;
  };
  if (loopbackValue) row(loopbackValue, 'baseline');
  failed('raw loopback', loopback);
  if (redisRate) row(redisRate, 'baseline');
  else if (redis.error === undefined) out('| Redis Streams XADD: skipped, redis-server / redis-benchmark not installed | | | | | |');
  failed('Redis XADD', redis);
  if (broker.value) {
    row(broker.value.produce, targeted(broker.value.produce, 'Broker ingest (kcat)', INGEST_TARGET));
    row(broker.value.consume);
  }
  failed('broker with kcat', broker);
  if (simulate.value) {
    row(simulate.value.thread, targeted(simulate.value.thread, 'Simulator alone, as the producer runs it (generate + encode record values)', SIMULATOR_TARGET));
    row(simulate.value.inProcess);
  }
  failed('simulator', simulate);
  if (producer.value) row(producer.value, targeted(producer.value, 'Producer → embedded broker', PRODUCER_TARGET));
  failed('producer → broker', producer);
  // The first row is the default settings, the configuration the target is about.
  (processor.value ?? []).forEach((r, i) => row(r, i === 0 ? targeted(r, 'Processor, default settings', PROCESSOR_TARGET) : ''));
  failed('processor', processor);
  if (e2e.value) {
    row(e2e.value.endToEnd, targeted(e2e.value.endToEnd, 'Simulate → broker → process → committed', E2E_TARGET));
    row(e2e.value.producerOnly);
  }
  failed('end to end', e2e);
  out();
  out(`Message sizes: kcat, Redis and loopback ${SIZE} bytes; simulated transactions about ${simulate.value ? (simulate.value.thread.bytes / simulate.value.thread.messages).toFixed(0) : '260'} bytes of JSON plus key and header.`);
  out();
  if (verdicts.length > 0) {
    out('Targets:');
    out();
    for (const v of verdicts) out(v);
    out();
  }

  out(`## Latency at a fixed rate: produce → alert`);
  out();
  if (latency.value) {
    const l = latency.value;
    out(`| requested rate | produced | achieved rate | fraud rate | alerts | p50 | p99 | p99 after the first ${WARM_UP_MS / 1000} s | max | processor done after producer stopped |`);
    out('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    out(`| ${n0(l.rate)} tx/s for ${LATENCY_SECONDS} s | ${n0(l.produced)} | ${n0(l.produced / l.producerSeconds)} tx/s | ${l.fraudRate} | ${n0(l.alerts)} | ${n0(l.p50Ms)} ms | ${n0(l.p99Ms)} ms | ${n0(l.p99WarmMs)} ms | ${n0(l.maxMs)} ms | ${n0(l.catchUpMs)} ms |`);
    out();
    out(`Latency of an alert = the wall-clock time the bench read it from bank_alerts_high (its own group-less fetch loop) minus the create time of the transaction it names ` +
      `(the producer stamps each batch with the wall clock when it sends it; the alert carries the source partition and offset). It spans the broker twice, the processor and its output batching. ` +
      `p50, p99 and max cover every alert, start-up included; the warm column leaves out transactions produced in the first ${WARM_UP_MS / 1000} s.`);
    out();
    out(`Where the warm alerts' time goes, split at each alert's own create time (stamped by the processor's producer when it sent it): transaction sent → alert sent ` +
      `(the broker in, the processor, its output batching) p50 ${n0(l.toSentP50Ms)} / p99 ${n0(l.toSentP99Ms)} ms; alert sent → read (the broker out, the reader's fetch) ` +
      `p50 ${n0(l.readP50Ms)} / p99 ${n0(l.readP99Ms)} ms. The bank's own rate is not flat: ${n0(l.minPerSec)} to ${n0(l.maxPerSec)} transactions in a second of this run ` +
      `(its clock runs fast, so quiet hours and busy ones pass within seconds), and the busy seconds queue.`);
    out();
    out(`Target: p99 after the warm-up ≤ ${P99_TARGET_MS} ms at ${n0(l.rate)} tx/s — **${l.p99WarmMs <= P99_TARGET_MS ? 'met' : 'MISSED'}** (${n0(l.p99WarmMs)} ms).`);
  } else {
    out(`**failed**: ${latency.error ?? 'no result'}`);
  }
  out();

  out('## Topic record formats: writers and parsers (src/formats)');
  out();
  if (formats.value) {
    const f = formats.value;
    out('| what | ns per value | bytes per value | × the row it is compared with |');
    out('|---|---:|---:|---|');
    for (const r of f.rows) out(`| ${r.name} | ${n0(r.nsPerValue)} | ${n0(r.bytesPerValue)} | ${r.name === r.baseline ? 'baseline' : `${r.ratio.toFixed(2)} × ${r.baseline}`} |`);
    out();
    out(`On the ${n0(f.windows)} windows and ${n0(f.alerts)} alerts a PartitionProcessor makes of ${n0(FORMAT_RECORDS)} seeded simulator records of the benchmarks' bank (default settings, one partition), in the bench process; windows go ${WINDOWS_PER_VALUE} to a value, as the runner sends them at full speed. ` +
      `The best of ${ROUNDS} rounds that alternate between the rows.` +
      ' The window writer leaves out zeros, so it writes less than JSON.stringify; the parsers check every field and put the zeros back.');
  } else {
    out(`**failed**: ${formats.error ?? 'no result'}`);
  }
  out();

  out('## Realism of the simulated bank (issue 15 targets)');
  out();
  if (realism.value) {
    const r = realism.value;
    for (const line of renderTargets(r)) out(line);
    out();
    out(`${n0(REALISM_EVENTS)} events, seed \`${r.options.seed}\`, ${n0(r.options.accounts)} accounts, the producer's default fraud rate (${r.options.fraudRate}); the standing model baseline trains on the first half of the simulated period and is tested on the second` +
      `${r.baselineStream.scaled ? ` (on a stream of the same seed at \`--fraud-rate ${r.baselineStream.fraudRate}\`, ${n0(r.baselineStream.accounts)} accounts and ${n0(r.baselineStream.events)} events: the default level has too few incidents for a model)` : ''}. ` +
      `Full report (value share, victims, filter-purity table, burstiness, baseline) in [docs/realism.md](realism.md), from \`npm run bench:realism -- --write\`; ${r.seconds.total.toFixed(0)} s here (${r.seconds.cpu.toFixed(0)} s of CPU).`);
  } else {
    out(`**failed**: ${realism.error ?? 'no result'}`);
  }
  out();

  out('## Detection quality (issue 16 targets)');
  out();
  if (detection.value) {
    const d = detection.value;
    for (const line of renderDetectionTargets(d)) out(line);
    out();
    out(`${n0(DETECTION_EVENTS)} events per stream, seed \`${d.options.seed}\`, ${n0(d.options.accounts)} accounts, default settings, through the backtest's core; per scenario, false cases, a second seed and the standing model baseline in [docs/alerts.md](alerts.md#detection-figures-simulator-v2), from \`npm run bench:detection -- --write\`; ${d.seconds.toFixed(0)} s here.`);
  } else {
    out(`**failed**: ${detection.error ?? 'no result'}`);
  }
  out();

  out('## Peak memory (VmHWM, resident set high-water mark)');
  out();
  out('| process | run | peak RSS (MB) |');
  out('|---|---|---:|');
  if (broker.value) out(`| broker | kcat ingest + egress of ${n0(MESSAGES)} messages | ${mb(broker.value.brokerPeakRssMb)} |`);
  if (producer.value) {
    out(`| broker | producer run, ${n0(PRODUCER_MESSAGES)} messages | ${mb(producer.value.brokerPeakRssMb)} |`);
    out(`| producer (runProducer in its own process) | same | ${mb(producer.value.producerPeakRssMb)} |`);
  }
  for (const [what, rss] of [[`end to end, ${n0(E2E_MESSAGES)} transactions`, e2e.value?.rss], [`latency, ${n0(LATENCY_RATE)} tx/s`, latency.value?.rss]] as const) {
    if (!rss) continue;
    out(`| broker (\`buzzline broker\`) | ${what} | ${mb(rss.brokerMb)} |`);
    out(`| producer (\`buzzline produce\`) | ${what} | ${mb(rss.producerMb)} |`);
    out(`| processor (\`buzzline consume --no-dashboard\`) | ${what} | ${mb(rss.processorMb)} |`);
  }
  out();
  // The targets are about the pipeline's processes under load: the end-to-end and latency runs.
  const pipelineRss = [e2e.value?.rss, latency.value?.rss].filter((r) => r !== undefined);
  if (pipelineRss.length > 0) {
    const verdict = (what: string, peak: number, target: number) => `- ${what}: peak ${mb(peak)} MB against a target of ≤ ${target} MB — **${peak <= target ? 'met' : 'MISSED'}**.`;
    out('Targets (the highest peak of the end-to-end and latency runs):');
    out();
    out(verdict('Broker', Math.max(...pipelineRss.map((r) => r.brokerMb)), BROKER_RSS_TARGET_MB));
    out(verdict('Processor', Math.max(...pipelineRss.map((r) => r.processorMb)), PROCESSOR_RSS_TARGET_MB));
    out();
  }

  out('## How each figure is measured');
  out();
  out(`- **Baselines**: raw loopback = one Node socket writing 64 KiB chunks to another over 127.0.0.1, counted in ${SIZE}-byte messages; Redis = redis-benchmark's XADD of a ${SIZE}-byte field, pipelined 100 deep on 4 connections, into a fresh redis-server without persistence. Ratios are msgs/s ÷ the baseline's msgs/s.`);
  out(`- **Broker**: kcat (librdkafka) produces ${n0(MESSAGES)} × ${SIZE} bytes with acks=1 into a 3-partition topic, then consumes them from the beginning; the broker is its own process.`);
  out(`- **The simulated bank**: every run simulates a bank of ${n0(BENCH_ACCOUNTS)} accounts, the population \`buzzline produce\` has at its default rate (about 2.67 transactions per account and day), fast-forwarded: each 1 s event-time window holds about as many records as that rate, as in a real-time run, and the processor keeps state for hundreds of thousands of accounts. Seed \`bench\`, simulated start 2025-01-06.`);
  out(`- **Simulator**: ${n0(SIM_EVENTS)} events generated and encoded as the record values the producer sends (\`SimEvent.encodeValue\`, the bytes of JSON.stringify of the message) in the bench process, after a warm-up; no Kafka. First as \`buzzline produce\` runs it (\`SimulatorThread\`: the bank's world on a thread of its own, handing each event over through shared memory, the values written on the caller's thread: two cores), then in-process on one thread (the \`Simulator\` the analysis code uses) for comparison.`);
  out(`- **Producer**: runProducer in a child process, speed max, acks=all, log level warn, 1,000 messages per request, 5 requests in flight, ${n0(PRODUCER_MESSAGES)} messages, connect included.`);
  out(`- **Processor alone**: ${n0(PROCESSOR_MESSAGES)} seeded records (0.4% malformed) already in the topic; runProcessor in the bench process, first record to last (group join excluded). The row for the first ${n0(COLD_RECORDS)} records of the default run shows the warm-up: on 2 cores V8 spends the processor's first second compiling its code, on the cores the processing needs. The backtest row is \`buzzline backtest --warmup 0\` as its own process over the same records: read back from the broker and replayed through the core under the defaults and a candidate (the defaults again), so twice; its rate is records over the whole command's time.`);
  out(`- **End to end**: broker, \`buzzline produce ${FULL_SPEED.join(' ')} --count ${E2E_MESSAGES}\` and \`buzzline consume --no-dashboard\` as three processes, producer and processor concurrent; from the first record's create time until the processor's committed offsets cover every record (committed = alerts, dead letters and metrics acknowledged and the snapshot stored; checkpoints every 1 s).`);
  out(`- **Peak RSS**: VmHWM from /proc/<pid>/status; the broker's is read before it is stopped, the producer's and processor's on their way out (bench/rss-probe.js, preloaded). The buzzline commands start from Node's compile cache (bin/buzzline.js; in os.tmpdir(), kept between runs), as every start after the first does; a first start after the sources changed strips and compiles them again, about 45 MB more for the processor.`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

if (process.argv.includes('--write')) {
  const file = path.join(ROOT, 'docs/benchmarks.md');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  progress(`wrote ${path.relative(process.cwd(), file) || file}`);
}
