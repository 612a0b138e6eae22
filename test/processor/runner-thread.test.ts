// The runner on its worker thread (RunnerThread), and on several (RunnerThreads), against the same runner
// called directly: same input, same in-memory ports, so the outputs must be the same, and the local sinks
// must be fed on this side.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { parseWindows } from '../../src/formats/metrics-window.ts';
import { DEFAULT_CONFIG } from '../../src/processor/config.ts';
import type { KafkaPorts } from '../../src/processor/kafka-io.ts';
import type { InputRecord } from '../../src/processor/partition-processor.ts';
import type { ThreadRunnerOptions } from '../../src/processor/runner-thread-protocol.ts';
import { RunnerThread } from '../../src/processor/runner-thread.ts';
import { mergeStats, RunnerThreads } from '../../src/processor/runner-threads.ts';
import type { OutputOffsets, RunnerPorts, SnapshotRecord, StoredSnapshot } from '../../src/processor/runner-ports.ts';
import { emptyRunnerStats, StreamRunner } from '../../src/processor/runner.ts';
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
  readonly snapshots: SnapshotRecord[] = [];
  readonly committed = new Map<number, bigint>();
  send(records: OutputRecord[]): Promise<void> {
    this.sent.push(...records);
    return Promise.resolve();
  }
  loadSnapshot(): Promise<StoredSnapshot | null> {
    return Promise.resolve(null);
  }
  emittedIds(): Promise<string[]> {
    return Promise.resolve([]);
  }
  outputEnds(partitions: readonly number[]): Promise<Map<number, OutputOffsets>> {
    return Promise.resolve(new Map(partitions.map((p) => [p, { alerts: 0n, notifications: 0n }])));
  }
  saveSnapshots(snapshots: readonly SnapshotRecord[]): Promise<void> {
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
  idleShowMs: 1_000_000,
};

function summary(ports: MemoryPorts) {
  const alerts = ports.sent.flatMap((r) => (r.kind === 'alert' || r.kind === 'notification' ? [`${r.kind} ${String(r.headers['alert-id'])}`] : [])).sort();
  const dlq = ports.sent.flatMap((r) => (r.kind === 'dlq' ? [`${r.sourcePartition}:${r.headers['dlq-offset']}`] : [])).sort();
  const windows = windowTotals(ports.sent.flatMap((r) => (r.kind === 'metrics' ? (parseWindows(r.value) ?? []) : [])));
  return { alerts, dlq, windows, committed: [...ports.committed].sort() };
}

// The runner called directly, as the reference: the outputs it sends.
async function runDirect(records: readonly InputRecord[]): Promise<MemoryPorts> {
  const direct = new MemoryPorts();
  const runner = new StreamRunner(direct, { ...options, logger: pino({ level: 'silent' }) });
  runner.assignmentChanged([0, 1, 2], true);
  for (const r of records) {
    const pending = runner.handle(r);
    if (pending !== undefined) await pending;
  }
  await runner.close();
  return direct;
}

// Every record through the thread (or threads) as the consume loop hands them over, then the final
// checkpoint; the threads end either way.
async function feed(target: RunnerThread | RunnerThreads, records: readonly InputRecord[]): Promise<void> {
  try {
    assert.deepEqual(await target.assignmentChanged([0, 1, 2], true), []);
    for (const r of records) {
      target.push(r);
      if (target.full) await target.room();
    }
    target.caughtUp();
    await target.close();
    target.throwIfFailed();
  } finally {
    await target.terminate();
  }
}

test('the runner thread produces what the runner does, and feeds the local sinks once acknowledged', { timeout: 60_000 }, async () => {
  const records = input();
  const direct = await runDirect(records);

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
  await feed(thread, records);

  const expected = summary(direct);
  assert.ok(expected.alerts.length > 10 && expected.dlq.length === 40, `a meaningful run: ${expected.alerts.length} alerts`);
  assert.deepEqual(summary(threaded), expected);
  assert.equal(thread.stats()?.processed, records.length, 'final stats come back from the thread');
  assert.equal(lines.length, expected.alerts.length, 'one console line per acknowledged alert or notification');
  assert.ok(logged.some((l) => l.event === 'partition-start'), "the thread's own log lines reach this side's logger");
});

async function runThread(records: InputRecord[], ports: MemoryPorts, logger: pino.Logger, lines: string[] = []): Promise<RunnerThread> {
  const thread = new RunnerThread({ runner: options, ports: ports as unknown as KafkaPorts, local: new LocalSinks({ logger, console: (l) => lines.push(l) }), logger });
  await feed(thread, records);
  return thread;
}

test("the thread's log lines keep the time they were written there", { timeout: 60_000 }, async () => {
  const logged: Array<Record<string, unknown>> = [];
  // Lines stamped on this side say so; the thread's own lines must carry its clock's time.
  const logger = pino({ level: 'info', timestamp: () => ',"time":"kafka-thread"' }, { write: (s: string) => logged.push(JSON.parse(s) as Record<string, unknown>) });
  const before = Date.now();
  await runThread(input().slice(0, 3000), new MemoryPorts(), logger);
  const after = Date.now();
  const starts = logged.filter((l) => l.event === 'partition-start');
  assert.equal(starts.length, PARTITIONS);
  for (const l of starts) assert.ok(typeof l.time === 'number' && l.time >= before && l.time <= after, `time ${String(l.time)}`);
  const alerts = logged.filter((l) => l.event === 'alert' || l.event === 'notification');
  assert.ok(alerts.length > 0 && alerts.every((l) => l.time === 'kafka-thread'), 'alert and notification lines are written on this side, on acknowledgement');
});

test('a port failure crosses to the thread and back with its name and code', { timeout: 60_000 }, async () => {
  class RefusingPorts extends MemoryPorts {
    override commit(): Promise<void> {
      return Promise.reject(Object.assign(new Error('The coordinator is not available.'), { name: 'ProtocolError', code: 'PLT_KFK_PROTOCOL', apiId: 'COORDINATOR_NOT_AVAILABLE', canRetry: true }));
    }
  }
  const failure = await runThread(input().slice(0, 600), new RefusingPorts(), pino({ level: 'silent' })).then(
    () => assert.fail('closed although every commit failed'),
    (err: unknown) => err as Error & Record<string, unknown>,
  );
  assert.equal(failure.message, 'The coordinator is not available.');
  assert.deepEqual([failure.name, failure.code, failure.apiId, failure.canRetry], ['ProtocolError', 'PLT_KFK_PROTOCOL', 'COORDINATOR_NOT_AVAILABLE', true]);
});

test('partitions spread over several threads give what one runner gives', { timeout: 60_000 }, async () => {
  const records = input();
  const direct = await runDirect(records);

  const spread = new MemoryPorts();
  const lines: string[] = [];
  const logger = pino({ level: 'silent' });
  const threads = new RunnerThreads({ runner: options, ports: spread as unknown as KafkaPorts, local: new LocalSinks({ logger, console: (l) => lines.push(l) }), logger }, 2);
  await feed(threads, records);
  assert.deepEqual(summary(spread), summary(direct));
  assert.equal(lines.length, summary(direct).alerts.length);
  const stats = threads.stats();
  assert.equal(stats?.processed, records.length, 'every record processed once, counted over both threads');
  assert.deepEqual([stats?.owned, stats?.freshStarts], [[0, 1, 2], 3]);
});

test('a partition stays on its thread while the member owns it', { timeout: 60_000 }, async () => {
  const records = input().slice(0, 600);
  const logger = pino({ level: 'silent' });
  const threads = new RunnerThreads({ runner: options, ports: new MemoryPorts() as unknown as KafkaPorts, local: new LocalSinks({ logger }), logger }, 2);
  try {
    await threads.assignmentChanged([0, 1, 2], true);
    for (const r of records) threads.push(r);
    threads.caughtUp();
    for (let i = 0; threads.stats()?.processed !== records.length; i++) {
      assert.ok(i < 500, `processed ${threads.stats()?.processed} of ${records.length}`);
      threads.tick();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Only the revoked partition's state goes; had 0 or 2 moved to the other thread, theirs would go too.
    threads.rebalanceStarted();
    assert.deepEqual(await threads.assignmentChanged([0, 2], false), [1]);
    threads.rebalanceStarted();
    assert.deepEqual(await threads.assignmentChanged([0, 1, 2], false), []);
    threads.rebalanceStarted();
    assert.deepEqual(await threads.assignmentChanged([0, 1, 2], true), [0, 2], 'a fresh assignment drops every state (1 has none yet)');
    await threads.close();
  } finally {
    await threads.terminate();
  }
});

test('merged stats add counts, take the earliest first and latest last record, and unite partitions', () => {
  const one = { ...emptyRunnerStats(), processed: 10, dlq: 1, dlqByReason: { not_json: 1 }, firstRecordMs: 200, lastRecordMs: 900, owned: [2], everOwned: [2, 4] };
  const two = { ...emptyRunnerStats(), processed: 5, dlq: 2, dlqByReason: { not_json: 1, bad_amount: 1 }, firstRecordMs: 100, lastRecordMs: 500, owned: [0], everOwned: [0] };
  const merged = mergeStats([one, two]);
  assert.equal(merged.processed, 15);
  assert.deepEqual(merged.dlqByReason, { not_json: 2, bad_amount: 1 });
  assert.deepEqual([merged.firstRecordMs, merged.lastRecordMs], [100, 900]);
  assert.deepEqual([merged.owned, merged.everOwned], [[0, 2], [0, 2, 4]]);
});
