// The runner on its worker thread (RunnerThread) against the same runner called directly: same input, same
// in-memory ports, so the outputs must be the same, and the local sinks must be fed on this side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { parseWindows } from '../../src/dashboard/records.ts';
import { DEFAULT_CONFIG } from '../../src/processor/config.ts';
import type { KafkaPorts } from '../../src/processor/kafka-io.ts';
import type { InputRecord } from '../../src/processor/partition-processor.ts';
import type { ThreadRunnerOptions } from '../../src/processor/runner-thread-protocol.ts';
import { RunnerThread } from '../../src/processor/runner-thread.ts';
import type { RunnerPorts, StoredSnapshot } from '../../src/processor/runner-ports.ts';
import { StreamRunner } from '../../src/processor/runner.ts';
import { LocalSinks, type OutputRecord } from '../../src/processor/sinks.ts';
import { bankInput, windowTotals } from '../helpers/bank-input.ts';

const PARTITIONS = 3;

function input(): InputRecord[] {
  const offsets = new Array<number>(PARTITIONS).fill(0);
  return bankInput({ seed: 'thread', total: 6000, malformed: 40, accounts: 60 }).map((m, i) => {
    let h = 0;
    for (const b of m.key) h = (h * 31 + b) >>> 0;
    const partition = h % PARTITIONS;
    return { partition, offset: BigInt(offsets[partition]!++), timestamp: BigInt(Date.UTC(2025, 0, 6) + i), key: m.key, value: m.value, headers: m.headers };
  });
}

class MemoryPorts implements RunnerPorts {
  readonly sent: OutputRecord[] = [];
  readonly snapshots: StoredSnapshot[] = [];
  readonly committed = new Map<number, bigint>();
  send(records: OutputRecord[]): Promise<void> {
    this.sent.push(...records);
    return Promise.resolve();
  }
  loadSnapshot(): Promise<StoredSnapshot | null> {
    return Promise.resolve(null);
  }
  emittedAlertIds(): Promise<string[]> {
    return Promise.resolve([]);
  }
  alertsEnd(partitions: readonly number[]): Promise<Map<number, bigint>> {
    return Promise.resolve(new Map(partitions.map((p) => [p, 0n])));
  }
  saveSnapshots(snapshots: readonly StoredSnapshot[]): Promise<void> {
    this.snapshots.push(...snapshots);
    return Promise.resolve();
  }
  commit(offsets: readonly { partition: number; offset: bigint }[]): Promise<void> {
    for (const o of offsets) this.committed.set(o.partition, o.offset);
    return Promise.resolve();
  }
  seek(): void {}
}

const options: ThreadRunnerOptions = {
  config: DEFAULT_CONFIG,
  group: 'g',
  checkpointIntervalMs: 1_000_000,
  checkpointRecords: 1500,
  maxBatchRecords: 300,
  maxBatchBytes: 64 * 1024,
  maxInFlight: 4,
  idleCloseMs: 1_000_000,
};

function summary(ports: MemoryPorts) {
  const alerts = ports.sent.flatMap((r) => (r.kind === 'alert' ? [String(r.headers['alert-id'])] : [])).sort();
  const dlq = ports.sent.flatMap((r) => (r.kind === 'dlq' ? [`${r.sourcePartition}:${r.headers['dlq-offset']}`] : [])).sort();
  const windows = windowTotals(ports.sent.flatMap((r) => (r.kind === 'metrics' ? (parseWindows(r.value) ?? []) : [])));
  return { alerts, dlq, windows, committed: [...ports.committed].sort() };
}

test('the runner thread produces what the runner does, and feeds the local sinks once acknowledged', { timeout: 60_000 }, async () => {
  const records = input();
  const silent = pino({ level: 'silent' });

  const direct = new MemoryPorts();
  const runner = new StreamRunner(direct, { ...options, logger: silent });
  runner.assignmentChanged([0, 1, 2], true);
  for (const r of records) {
    const pending = runner.handle(r);
    if (pending !== undefined) await pending;
  }
  await runner.close();

  const threaded = new MemoryPorts();
  const lines: string[] = [];
  const logged: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => logged.push(JSON.parse(s) as Record<string, unknown>) });
  const thread = new RunnerThread({
    runner: options,
    ports: threaded as unknown as KafkaPorts,
    local: new LocalSinks({ logger, console: (l) => lines.push(l) }),
    logger,
  });
  try {
    assert.deepEqual(await thread.assignmentChanged([0, 1, 2], true), []);
    for (const r of records) {
      thread.push(r);
      if (thread.full) await thread.room();
    }
    thread.caughtUp();
    await thread.close();
    thread.throwIfFailed();
  } finally {
    await thread.terminate();
  }

  const expected = summary(direct);
  assert.ok(expected.alerts.length > 10 && expected.dlq.length === 40, `a meaningful run: ${expected.alerts.length} alerts`);
  assert.deepEqual(summary(threaded), expected);
  assert.equal(thread.stats()?.processed, records.length, 'final stats come back from the thread');
  assert.equal(lines.length, expected.alerts.length, 'one console line per acknowledged alert');
  assert.ok(logged.some((l) => l.event === 'partition-start'), "the thread's own log lines reach this side's logger");
});
