// Producer throughput into the embedded broker: runProducer (what `buzzline produce` runs) at --speed max,
// acks=all, log level warn, default batching (1000 messages per request, 5 in flight), the simulator
// generating every event on the fly, into a 3-partition topic on a broker running as its own process.
// Measured: acknowledged messages per second over the producer's whole run (connect included).
//
// benchProducer() runs in the calling process; benchProducerIsolated() runs it in a child process of its
// own (this file, standalone) so its peak RSS and CPU are the producer's alone, not the bench runner's.
//   node bench/producer.ts <bootstrap> [messages=1000000] [logFile=/dev/null]   prints one JSON line

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProducer } from '../src/producer/producer.ts';
import { DEFAULT_FRAUD_RATE } from '../src/bank/scenarios/fraud.ts';
import { spawnBroker } from '../test/helpers/processes.ts';
import type { Rate } from './baseline.ts';
import { rateForAccounts } from '../src/producer/population.ts';
import { BENCH_ACCOUNTS } from './population.ts';
import { peakRssMb, spawnNode } from './processes.ts';

export interface ProducerBench extends Rate {
  producerPeakRssMb: number;
  brokerPeakRssMb: number;
}

export async function benchProducer(bootstrap: string, messages: number, logFile = '/dev/null'): Promise<Rate> {
  const problems: string[] = [];
  const bankStateFile = path.join(os.tmpdir(), `buzzline-bench-bank-${process.pid}.json`);
  const totals = await runProducer(
    {
      brokers: [bootstrap], security: {}, topic: 'bank_alerts', rate: rateForAccounts(BENCH_ACCOUNTS), speed: Number.POSITIVE_INFINITY, count: messages, durationMs: undefined, seed: 'bench', accounts: BENCH_ACCOUNTS, fraudRate: DEFAULT_FRAUD_RATE,
      acks: -1, startMs: Date.UTC(2025, 0, 6), logLevel: 'warn', logFile, batchSize: 1000, maxInFlight: 5, clientId: 'bench-producer',
      bankStateFile, newBank: true, given: { start: '--start 2025-01-06' },
    },
    undefined,
    { report: (line) => problems.push(line) },
  ).finally(() => fs.rmSync(bankStateFile, { force: true }));
  if (totals.produced !== messages) throw new Error(`producer acknowledged ${totals.produced} of ${messages}: ${problems.join('; ')}`);
  return { name: 'producer → broker (runProducer, speed max, acks=all, batches of 1000, 5 in flight)', messages: totals.produced, bytes: totals.bytes, seconds: totals.elapsedMs / 1000 };
}

export async function benchProducerIsolated(workDir: string, messages = 1_000_000): Promise<ProducerBench> {
  const broker = await spawnBroker(path.join(workDir, 'producer-bench-data'), ['--default-partitions', '3']);
  try {
    const proc = spawnNode([fileURLToPath(import.meta.url), broker.bootstrap, String(messages), path.join(workDir, 'producer-bench.log')], path.join(workDir, 'producer-bench.rss'));
    const { code, peakRssMb: producerPeakRssMb } = await proc.exited;
    if (code !== 0) throw new Error(`producer bench failed (${code}): ${proc.stderr()}`);
    const rate = JSON.parse(proc.stdout().trim().split('\n').at(-1) ?? '') as Rate;
    return { ...rate, producerPeakRssMb, brokerPeakRssMb: peakRssMb(broker.child.pid) };
  } finally {
    broker.child.kill('SIGTERM');
    await broker.exited;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bootstrap = process.argv[2];
  if (!bootstrap) {
    console.error('usage: node bench/producer.ts <bootstrap host:port> [messages] [logFile]');
    process.exit(2);
  }
  const rate = await benchProducer(bootstrap, Number(process.argv[3] ?? 1_000_000), process.argv[4] ?? '/dev/null');
  fs.writeSync(1, `${JSON.stringify(rate)}\n`);
}
