// Stream processor throughput, end to end: seeded simulator events (with 0.4% malformed records) already in
// bank_alerts on a broker running as its own process; the processor consumes them as a consumer group
// member, runs validation, rules, aggregates and quality, and produces alerts, dead letters and metrics
// with acks=all, checkpointing every second. Measured: records processed per second from the first record
// to the last (startup and the group join excluded), per configuration.
//
// A million records by default: the processor's first second on 2 cores goes mostly to V8 compiling its
// code while it runs (the compiler threads compete with the processing for the cores), and a run of 300k
// records, about 2 s, would report that warm-up more than the rate a processor keeps. The default
// configuration's row for its first COLD_RECORDS records shows what the warm-up costs. The input is
// produced by a child process, as a producer would be: made in the bench process, its million records
// (half a gigabyte of heap) would be garbage that V8 collects during the measured run.
//
// Standalone: `node bench/processor.ts [messages] [--all]`; benchProcessor() is what bench/run.ts calls.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { resolveConfig } from '../src/processor/config.ts';
import { PROCESSOR_DEFAULTS, runProcessor, type ProcessorStats } from '../src/processor/consumer.ts';
import { bankInput, inputProducer, produceInput } from '../test/helpers/bank-input.ts';
import { spawnBroker } from '../test/helpers/processes.ts';
import { buzzline, spawnNode } from './processes.ts';
import type { Rate } from './baseline.ts';
import { BENCH_ACCOUNTS } from './population.ts';

export interface ProcessorBenchRow extends Rate {
  alerts: number;
  metricsWindows: number;
}

export const COLD_RECORDS = 300_000;

// The whole run's row, and the row of its first `cold` records when the run has more than that.
async function measure(bootstrap: string, name: string, group: string, overrides: string[], messages: number, cold = 0): Promise<ProcessorBenchRow[]> {
  const controller = new AbortController();
  let coldRow: ProcessorBenchRow | null = null;
  const stats = await runProcessor(
    { ...PROCESSOR_DEFAULTS, brokers: [bootstrap], group, config: resolveConfig({ overrides }), logFile: '/dev/null', consoleAlerts: false },
    controller.signal,
    {
      logger: pino({ level: 'silent' }),
      onStats: (s) => {
        // Stats come every 200 ms, so the cold row covers the first `cold` records and up to 200 ms more.
        if (coldRow === null && cold > 0 && cold < messages && s.processed >= cold) coldRow = row(`${name}, its first ${s.processed.toLocaleString('en-US')} records`, s);
        if (s.processed >= messages) controller.abort();
      },
    },
  );
  return coldRow === null ? [row(name, stats)] : [row(name, stats), coldRow];
}

// From the first record taken to the latest one: the group join and startup are not part of the rate.
function row(name: string, s: ProcessorStats): ProcessorBenchRow {
  const seconds = ((s.lastRecordMs ?? 0) - (s.firstRecordMs ?? 0)) / 1000;
  return { name, messages: s.processed, bytes: 0, seconds, alerts: s.alerts, metricsWindows: s.metricsWindows };
}

export async function benchProcessor(workDir: string, messages = 1_000_000, accounts = BENCH_ACCOUNTS, withMinute = false): Promise<ProcessorBenchRow[]> {
  const broker = await spawnBroker(path.join(workDir, 'processor-bench-data'), ['--default-partitions', '3']);
  try {
    const input = spawnNode([fileURLToPath(import.meta.url), '--produce-input', broker.bootstrap, String(messages), String(accounts)], path.join(workDir, 'processor-bench-input.rss'));
    const { code } = await input.exited;
    if (code !== 0) throw new Error(`producing the processor bench's input failed (${code}): ${input.stderr()}`);
    // Default windows (about one bank_metrics record per input record) and 1 h windows (few): the two
    // ends of what output volume costs. `--all` in standalone runs adds 1 min windows.
    const rows = await measure(broker.bootstrap, 'processor alone, default settings (1 s event-time windows)', 'bench-default', [], messages, COLD_RECORDS);
    if (withMinute) rows.push(...(await measure(broker.bootstrap, 'processor alone, 1 min event-time windows', 'bench-minute', ['windowMs=60000'], messages)));
    rows.push(...(await measure(broker.bootstrap, 'processor alone, 1 h event-time windows', 'bench-hour', ['windowMs=3600000'], messages)));
    rows.push(await measureBacktest(broker.bootstrap, workDir));
    return rows;
  } finally {
    broker.child.kill('SIGTERM');
    await broker.exited;
  }
}

// `buzzline backtest` over the same records, as a user runs it: its own process, the defaults against a
// candidate (here the defaults again), so every record goes through the pure core twice. The rate is
// records replayed per second of the whole command, reading from the broker included; issue 16 asks for
// a million records "in seconds".
async function measureBacktest(bootstrap: string, workDir: string): Promise<ProcessorBenchRow> {
  const run = buzzline(['backtest', '--brokers', bootstrap, '--warmup', '0', '--json'], path.join(workDir, 'backtest-bench.rss'));
  const { code } = await run.exited;
  if (code !== 0) throw new Error(`buzzline backtest failed (${code}): ${run.stderr()}`);
  const out = JSON.parse(run.stdout()) as { records: number; seconds: number; current: { cases: number } };
  return { name: '`buzzline backtest`: the same records replayed through the core twice (current and candidate), whole command', messages: out.records, bytes: 0, seconds: out.seconds, alerts: 0, metricsWindows: 0 };
}

async function produceBenchInput(bootstrap: string, messages: number, accounts: number): Promise<void> {
  const producer = inputProducer(bootstrap);
  await produceInput(producer, bankInput({ seed: 'bench', total: messages, malformed: Math.round(messages * 0.004), accounts }), { batch: 2000 });
  await producer.close();
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === '--produce-input') {
  await produceBenchInput(process.argv[3] as string, Number(process.argv[4]), Number(process.argv[5]));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzline-bench-processor-'));
  try {
    const [messages = 1_000_000, accounts = BENCH_ACCOUNTS] = process.argv.slice(2).filter((a) => !a.startsWith('--')).map(Number);
    console.log(`| what | msgs/s | alerts | metrics windows |\n|---|---:|---:|---:|`);
    for (const r of await benchProcessor(work, messages, accounts, process.argv.includes('--all'))) {
      console.log(`| ${r.name} | ${Math.round(r.messages / r.seconds).toLocaleString('en-US')} | ${r.alerts.toLocaleString('en-US')} | ${r.metricsWindows.toLocaleString('en-US')} |`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
