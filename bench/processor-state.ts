// What the processor's per-account state costs, without Kafka: the bench's bank (bench/population.ts)
// fed straight into one PartitionProcessor, so every account lands in one partition's state. Reports the
// processing rate on one thread (validation, rules, aggregates, no I/O), the heap the state holds per
// account (the heap with the processor, less the heap once it is dropped, after a full GC), and what a
// checkpoint of it costs: a full snapshot's gzip'd bytes and encoding time.
//
// `node --expose-gc bench/processor-state.ts [records] [accounts]` (defaults: 300,000 records of the bench's
// bank). The simulator's events are made in slices and dropped as they are processed, so that the heap
// measured is the processor's.

import { Simulator } from '../src/bank/simulator.ts';
import { SIM_LABEL_HEADER } from '../src/bank/transaction.ts';
import { resolveConfig } from '../src/processor/config.ts';
import { PartitionProcessor } from '../src/processor/partition-processor.ts';
import { encodeSnapshot } from '../src/processor/state.ts';
import { BENCH_ACCOUNTS } from './population.ts';

export interface StateBenchResult {
  records: number;
  accounts: number;
  recordsPerSec: number;
  heapBytesPerAccount: number;
  snapshotBytes: number;
  snapshotMs: number;
}

const SLICE = 10_000;

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// The processor lives only in here, so that once this returns the heap no longer holds it.
async function run(sim: Simulator, records: number): Promise<Omit<StateBenchResult, 'heapBytesPerAccount'> & { heapWithState: number }> {
  const proc = new PartitionProcessor(0, resolveConfig({ overrides: [] }));
  const label = Buffer.from(SIM_LABEL_HEADER);
  let busyMs = 0;
  for (let offset = 0; offset < records; ) {
    const batch = sim.take(Math.min(SLICE, records - offset)).map((e) => ({
      partition: 0,
      timestamp: e.atMs,
      key: Buffer.from(e.key),
      value: Buffer.from(JSON.stringify(e.value)),
      headers: new Map([[label, Buffer.from(e.label)]]),
    }));
    const started = performance.now();
    for (const r of batch) proc.process({ ...r, offset: offset++ });
    busyMs += performance.now() - started;
  }
  const heapWithState = heapAfterGc();
  const snapStarted = performance.now();
  const bytes = await encodeSnapshot(proc.takeCheckpoint(null));
  const snapshotMs = performance.now() - snapStarted;
  return { records, accounts: proc.stats().accounts, recordsPerSec: Math.round(records / (busyMs / 1000)), snapshotBytes: bytes.length, snapshotMs: Math.round(snapshotMs), heapWithState };
}

export async function benchProcessorState(records: number, accounts: number): Promise<StateBenchResult> {
  // Made out here: the simulator's own state stays on the heap in both measurements.
  const sim = new Simulator({ seed: 'bench', accounts, fraudRate: 1500, startMs: Date.UTC(2025, 0, 6) });
  const { heapWithState, ...result } = await run(sim, records);
  const heapWithout = heapAfterGc();
  sim.take(1);
  return { ...result, heapBytesPerAccount: Math.round((heapWithState - heapWithout) / result.accounts) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [records = 300_000, accounts = BENCH_ACCOUNTS] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await benchProcessorState(records, accounts)));
}
