// Generation-only throughput of the banking simulator: events generated and encoded per second, without
// Kafka. Each event is turned into its record value by SimEvent.encodeValue, the bytes the producer sends
// (JSON.stringify's text of the message). The producer must reach 150k msg/s into a broker, so
// generation needs ample headroom.
//
// Standalone: `node bench/simulate.ts [events=2000000] [accounts=BENCH_ACCOUNTS] [fraudRate=15]` (incidents per 1,000 customers a year);
// benchSimulate() is what bench/run.ts calls.

import { Simulator } from '../src/bank/simulator.ts';
import { DEFAULT_FRAUD_RATE } from '../src/bank/scenarios/fraud.ts';
import type { Rate } from './baseline.ts';
import { BENCH_ACCOUNTS } from './population.ts';

export interface SimulateBench extends Rate {
  accounts: number;
  fraudRate: number;
}

function generate(count: number, accounts: number, fraudRate: number): { seconds: number; bytes: number } {
  const simulator = new Simulator({ seed: 'bench', accounts, fraudRate, startMs: Date.UTC(2025, 0, 6) });
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) bytes += simulator.nextEvent().encodeValue().length;
  return { seconds: (performance.now() - started) / 1000, bytes };
}

export function benchSimulate(events = 2_000_000, accounts = BENCH_ACCOUNTS, fraudRate = DEFAULT_FRAUD_RATE): SimulateBench {
  // A short warm-up lets the JIT settle so the measured run reflects steady state.
  generate(Math.min(events, 200_000), accounts, fraudRate);
  const { seconds, bytes } = generate(events, accounts, fraudRate);
  return { name: 'simulator, generate + encode record values (no Kafka)', messages: events, bytes, seconds, accounts, fraudRate };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchSimulate(Number(process.argv[2] ?? 2_000_000), Number(process.argv[3] ?? BENCH_ACCOUNTS), Number(process.argv[4] ?? DEFAULT_FRAUD_RATE));
  console.log(
    `simulate: ${Math.round(r.messages / r.seconds).toLocaleString('en-US')} events/s generated + encoded ` +
      `(${r.messages.toLocaleString('en-US')} events, ${r.accounts} accounts, fraud ${r.fraudRate}, ${(r.bytes / r.messages).toFixed(0)} B/event, ${r.seconds.toFixed(2)}s)`,
  );
}
