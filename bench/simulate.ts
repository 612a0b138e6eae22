// Generation-only throughput of the banking simulator: events generated and JSON-serialised per second,
// without Kafka. The producer must reach 150k msg/s into a broker, so generation needs ample headroom.
//   node bench/simulate.ts [events=2000000] [accounts=1000] [fraudRate=0.002]

import { Simulator } from '../src/bank/simulator.ts';

const events = Number(process.argv[2] ?? 2_000_000);
const accounts = Number(process.argv[3] ?? 1000);
const fraudRate = Number(process.argv[4] ?? 0.002);

function run(count: number): { seconds: number; bytes: number } {
  const simulator = new Simulator({ seed: 'bench', accounts, fraudRate, startMs: Date.UTC(2025, 0, 6) });
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) bytes += JSON.stringify(simulator.nextEvent().value).length;
  return { seconds: (performance.now() - started) / 1000, bytes };
}

// A short warm-up lets the JIT settle so the measured run reflects steady state.
run(Math.min(events, 200_000));
const { seconds, bytes } = run(events);
console.log(
  `simulate: ${Math.round(events / seconds).toLocaleString('en-US')} events/s generated + JSON-serialised ` +
    `(${events.toLocaleString('en-US')} events, ${accounts} accounts, fraud ${fraudRate}, ${(bytes / events).toFixed(0)} B/event, ${seconds.toFixed(2)}s)`,
);
