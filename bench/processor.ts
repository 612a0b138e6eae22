// Stream processor throughput, end to end: seeded simulator events (with 0.4% malformed records) already in
// bank_alerts on a broker running as its own process; the processor consumes them as a consumer group
// member, runs validation, rules, aggregates and quality, and produces alerts, dead letters and metrics
// with acks=all, checkpointing every second. Measured: records processed per second from the first record
// to the last (startup and the group join excluded), per configuration.
//
// Standalone: `node bench/processor.ts [messages] [--all]`; benchProcessor() is what bench/run.ts calls.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { resolveConfig } from '../src/processor/config.ts';
import { PROCESSOR_DEFAULTS, runProcessor } from '../src/processor/consumer.ts';
import { bankInput, inputProducer, produceInput } from '../test/helpers/bank-input.ts';
import { spawnBroker } from '../test/helpers/processes.ts';
import type { Rate } from './baseline.ts';

export interface ProcessorBenchRow extends Rate {
  alerts: number;
  metricsWindows: number;
}

async function measure(bootstrap: string, name: string, group: string, overrides: string[], messages: number): Promise<ProcessorBenchRow> {
  const controller = new AbortController();
  const stats = await runProcessor(
    { ...PROCESSOR_DEFAULTS, brokers: [bootstrap], group, config: resolveConfig({ overrides }), logFile: '/dev/null', consoleAlerts: false },
    controller.signal,
    {
      logger: pino({ level: 'silent' }),
      onStats: (s) => {
        if (s.processed >= messages) controller.abort();
      },
    },
  );
  // From the first record taken to the last one: the group join and startup are not part of the rate.
  const seconds = ((stats.lastRecordMs ?? 0) - (stats.firstRecordMs ?? 0)) / 1000;
  return { name, messages: stats.processed, bytes: 0, seconds, alerts: stats.alerts, metricsWindows: stats.metricsWindows };
}

export async function benchProcessor(workDir: string, messages = 300_000, withMinute = false): Promise<ProcessorBenchRow[]> {
  const broker = await spawnBroker(path.join(workDir, 'processor-bench-data'), ['--default-partitions', '3']);
  try {
    const producer = inputProducer(broker.bootstrap);
    await produceInput(producer, bankInput({ seed: 'bench', total: messages, malformed: Math.round(messages * 0.004), accounts: 1000 }), { batch: 2000 });
    await producer.close();
    // Default windows (about one bank_metrics record per input record) and 1 h windows (few): the two
    // ends of what output volume costs. `--all` in standalone runs adds 1 min windows.
    const rows = [await measure(broker.bootstrap, 'processor alone, default settings (1 s event-time windows)', 'bench-default', [], messages)];
    if (withMinute) rows.push(await measure(broker.bootstrap, 'processor alone, 1 min event-time windows', 'bench-minute', ['windowMs=60000'], messages));
    rows.push(await measure(broker.bootstrap, 'processor alone, 1 h event-time windows', 'bench-hour', ['windowMs=3600000'], messages));
    return rows;
  } finally {
    broker.child.kill('SIGTERM');
    await broker.exited;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzline-bench-processor-'));
  try {
    const messages = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 300_000);
    console.log(`| what | msgs/s | alerts | metrics windows |\n|---|---:|---:|---:|`);
    for (const r of await benchProcessor(work, messages, process.argv.includes('--all'))) {
      console.log(`| ${r.name} | ${Math.round(r.messages / r.seconds).toLocaleString('en-US')} | ${r.alerts.toLocaleString('en-US')} | ${r.metricsWindows.toLocaleString('en-US')} |`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
