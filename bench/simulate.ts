// Generation-only throughput of the banking simulator: events generated and encoded per second, without
// Kafka. Each event is turned into its record value by SimEvent.encodeValue, the bytes the producer sends
// (JSON.stringify's text of the message). The producer must reach 150k msg/s into a broker, so
// generation needs ample headroom.
//
// Two ways, one after the other: as `buzzline produce` runs it (SimulatorThread: the world on a thread of
// its own, values written on the caller's thread; the target's row), and in-process on one thread (the
// Simulator the analysis code uses), to show what the second thread adds.
//
// Standalone: `node bench/simulate.ts [events=2000000] [accounts=BENCH_ACCOUNTS] [fraudRate=DEFAULT_FRAUD_RATE]` (incidents per 1,000 customers a year);
// benchSimulate() is what bench/run.ts calls.

import { Simulator } from '../src/bank/simulator.ts';
import type { SimulatorOptions } from '../src/bank/simulator.ts';
import { SimulatorThread } from '../src/bank/simulator-thread.ts';
import { DEFAULT_FRAUD_RATE } from '../src/bank/scenarios/fraud.ts';
import type { Rate } from './baseline.ts';
import { BENCH_ACCOUNTS } from './population.ts';

export interface SimulateBench {
  thread: Rate; // as the producer runs it
  inProcess: Rate; // one thread
  accounts: number;
  fraudRate: number;
}

interface EventSource {
  nextEvent(): { encodeValue(): Buffer };
}

function generate(source: EventSource, count: number): { seconds: number; bytes: number } {
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) bytes += source.nextEvent().encodeValue().length;
  return { seconds: (performance.now() - started) / 1000, bytes };
}

// The bank is built before the clock starts (the producer builds it once); a warm-up of up to 200,000
// events lets the JIT settle so the measured run reflects steady state.
async function measure(name: string, events: number, options: SimulatorOptions, threaded: boolean): Promise<Rate> {
  const source = threaded ? await SimulatorThread.start(options) : new Simulator(options);
  try {
    generate(source, Math.min(events, 200_000));
    const { seconds, bytes } = generate(source, events);
    return { name, messages: events, bytes, seconds };
  } finally {
    if (source instanceof SimulatorThread) await source.close();
  }
}

export async function benchSimulate(events = 2_000_000, accounts = BENCH_ACCOUNTS, fraudRate = DEFAULT_FRAUD_RATE): Promise<SimulateBench> {
  const options: SimulatorOptions = { seed: 'bench', accounts, fraudRate, startMs: Date.UTC(2025, 0, 6) };
  const thread = await measure('simulator as `buzzline produce` runs it: the world on its own thread, values written on the caller\'s (no Kafka)', events, options, true);
  const inProcess = await measure('simulator in-process, one thread: generate + encode (no Kafka)', events, options, false);
  return { thread, inProcess, accounts, fraudRate };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchSimulate(Number(process.argv[2] ?? 2_000_000), Number(process.argv[3] ?? BENCH_ACCOUNTS), Number(process.argv[4] ?? DEFAULT_FRAUD_RATE));
  for (const rate of [r.thread, r.inProcess]) {
    console.log(
      `${Math.round(rate.messages / rate.seconds).toLocaleString('en-US')} events/s generated + encoded: ${rate.name} ` +
        `(${rate.messages.toLocaleString('en-US')} events, ${r.accounts} accounts, fraud ${r.fraudRate}, ${(rate.bytes / rate.messages).toFixed(0)} B/event, ${rate.seconds.toFixed(2)}s)`,
    );
  }
  console.log(`two threads / one: ${(r.inProcess.seconds / r.thread.seconds).toFixed(2)}`);
}
