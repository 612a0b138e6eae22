// The StreamRunner on a thread of its own (runner-worker.ts), driven from the thread that talks to Kafka.
//
// Why: decoding fetch responses and encoding produce requests in the Kafka client cost about as much per
// record as validation, rules and aggregates do. On one thread they take turns; split, the client's work
// and the processing overlap (and each thread collects its own garbage). The split follows RunnerPorts:
// the processing thread owns all state and the checkpoint protocol exactly as before, and every port call
// it makes (send, snapshots, commits, alert read-back, seek) is a request to this side, which serves it with
// KafkaPorts and writes the local sinks (log, console) once a send is acknowledged.
//
// Input goes over in batches (record-transfer.ts), at most MAX_BATCHES_IN_FLIGHT at a time: `full` tells
// the consume loop to wait for room(), which is how backpressure from the runner (a checkpoint, a full
// send window, a rebalance) reaches the Kafka stream.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { KafkaPorts } from './kafka-io.ts';
import type { InputRecord } from './partition-processor.ts';
import { packRecords } from './record-transfer.ts';
import type { CommitOffset, StoredSnapshot } from './runner-ports.ts';
import type { RunnerOptions, RunnerStats } from './runner.ts';
import type { LocalSinks, OutputRecord } from './sinks.ts';

export type ThreadRunnerOptions = Omit<RunnerOptions, 'logger' | 'local' | 'now'>;

export interface RunnerThreadInit {
  options: ThreadRunnerOptions;
  logLevel: string;
}

export type PortMethod = 'send' | 'loadSnapshot' | 'emittedAlertIds' | 'alertsEnd' | 'saveSnapshots' | 'commit';

export type ToRunner =
  | { type: 'records'; id: number; batch: ArrayBuffer; caughtUp: boolean }
  | { type: 'reply'; id: number; value?: unknown; error?: string; stack?: string }
  | { type: 'tick' }
  | { type: 'rebalance' }
  | { type: 'assignment'; id: number; partitions: number[]; fresh: boolean }
  | { type: 'stop' }
  | { type: 'close' };

export type FromRunner =
  | { type: 'call'; id: number; method: PortMethod; args: unknown[] }
  | { type: 'seek'; partition: number; offset: bigint }
  | { type: 'log'; line: string }
  | { type: 'applied'; id: number }
  | { type: 'stats'; stats: RunnerStats }
  | { type: 'assigned'; id: number; dropped: number[] }
  | { type: 'failed'; message: string; stack: string }
  | { type: 'closed'; stats: RunnerStats };

// Records per batch: large enough that a batch's fixed costs (a message, a transfer) vanish per record,
// small enough that a batch is a millisecond of work.
const BATCH_RECORDS = 1000;
const MAX_BATCHES_IN_FLIGHT = 4;

export interface RunnerThreadOptions {
  runner: ThreadRunnerOptions;
  ports: KafkaPorts;
  local: LocalSinks;
  logger: Logger;
}

export class RunnerThread {
  private readonly worker: Worker;
  private readonly ports: KafkaPorts;
  private readonly local: LocalSinks;
  private readonly logger: Logger;
  private batch: InputRecord[] = [];
  private batchesSent = 0;
  private batchesApplied = 0;
  private pushedSinceCaughtUp = false;
  private roomWaiters: Array<() => void> = [];
  private nextAssignment = 0;
  private readonly assignments = new Map<number, (dropped: number[]) => void>();
  private latest: RunnerStats | null = null;
  private failure: Error | null = null;
  private closing: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private exited = false;
  private closed = false; // the runner closed cleanly; the thread's exit that follows is expected
  onFailure: (() => void) | null = null; // the consume loop stops reading when the runner fails

  constructor(options: RunnerThreadOptions) {
    this.ports = options.ports;
    this.local = options.local;
    this.logger = options.logger;
    const init: RunnerThreadInit = { options: options.runner, logLevel: options.logger.level };
    this.worker = new Worker(new URL('./runner-worker.ts', import.meta.url), { workerData: init });
    this.worker.on('message', (m: FromRunner) => this.receive(m));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (!this.closed) this.fail(new Error(`the processing thread exited (code ${code})`));
    });
  }

  // Queues a record; a full batch goes over at once.
  push(record: InputRecord): void {
    this.batch.push(record);
    this.pushedSinceCaughtUp = true;
    if (this.batch.length >= BATCH_RECORDS) this.sendBatch(false);
  }

  // The stream has nothing buffered: hand over what is queued and let the runner send its outputs.
  caughtUp(): void {
    if (this.pushedSinceCaughtUp) this.sendBatch(true);
  }

  // Too many batches are waiting to be applied: the loop waits for room() before reading on.
  get full(): boolean {
    return this.batchesSent - this.batchesApplied >= MAX_BATCHES_IN_FLIGHT;
  }

  room(): Promise<void> {
    if (!this.full || this.failure !== null) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  tick(): void {
    this.post({ type: 'tick' });
  }

  // Group events reach the runner in stream order: records read before them go first.
  rebalanceStarted(): void {
    if (this.batch.length > 0) this.sendBatch(false);
    this.post({ type: 'rebalance' });
  }

  // Resolves with the partitions whose state was dropped.
  assignmentChanged(partitions: number[], fresh: boolean): Promise<number[]> {
    if (this.batch.length > 0) this.sendBatch(false);
    const id = this.nextAssignment++;
    return new Promise((resolve) => {
      this.assignments.set(id, resolve);
      this.post({ type: 'assignment', id, partitions, fresh });
    });
  }

  stopAccepting(): void {
    this.batch = [];
    this.post({ type: 'stop' });
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  // The runner's final checkpoint and flush (StreamRunner.close), then the thread ends.
  close(): Promise<void> {
    this.throwIfFailed();
    return new Promise<void>((resolve, reject) => {
      this.closing = { resolve, reject };
      this.post({ type: 'close' });
    });
  }

  // As of the thread's latest report (every tick, and at close); null before the first.
  stats(): RunnerStats | null {
    return this.latest;
  }

  async terminate(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
  }

  private sendBatch(caughtUp: boolean): void {
    const records = this.batch;
    this.batch = [];
    if (caughtUp) this.pushedSinceCaughtUp = false;
    const batch = packRecords(records);
    this.post({ type: 'records', id: this.batchesSent++, batch, caughtUp }, [batch]);
  }

  private post(message: ToRunner, transfer?: ArrayBuffer[]): void {
    if (!this.exited) this.worker.postMessage(message, transfer);
  }

  private receive(m: FromRunner): void {
    switch (m.type) {
      case 'call':
        void this.serve(m.id, m.method, m.args);
        return;
      case 'seek':
        this.ports.seek(m.partition, m.offset);
        return;
      case 'log':
        this.log(m.line);
        return;
      case 'applied': {
        this.batchesApplied++;
        if (!this.full) for (const wake of this.roomWaiters.splice(0)) wake();
        return;
      }
      case 'stats':
        this.latest = m.stats;
        return;
      case 'assigned':
        this.assignments.get(m.id)?.(m.dropped);
        this.assignments.delete(m.id);
        return;
      case 'failed':
        this.fail(Object.assign(new Error(m.message), { stack: m.stack }));
        return;
      case 'closed':
        this.closed = true;
        this.latest = m.stats;
        this.closing?.resolve();
        void this.worker.terminate();
        return;
    }
  }

  private fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    for (const wake of this.roomWaiters.splice(0)) wake();
    this.closing?.reject(err);
    this.onFailure?.();
  }

  private async serve(id: number, method: PortMethod, args: unknown[]): Promise<void> {
    try {
      let value: unknown;
      switch (method) {
        case 'send': {
          const records = (args[0] as OutputRecord[]).map(withBuffers);
          await this.ports.send(records);
          this.local.acknowledged(records);
          break;
        }
        case 'loadSnapshot':
          value = await this.ports.loadSnapshot(args[0] as number);
          break;
        case 'emittedAlertIds':
          value = await this.ports.emittedAlertIds(args[0] as number, args[1] as bigint | null);
          break;
        case 'alertsEnd':
          value = await this.ports.alertsEnd(args[0] as number[]);
          break;
        case 'saveSnapshots':
          await this.ports.saveSnapshots(args[0] as StoredSnapshot[]);
          break;
        case 'commit':
          await this.ports.commit(args[0] as CommitOffset[]);
          break;
      }
      this.post({ type: 'reply', id, value });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      this.post({ type: 'reply', id, error: e.message, stack: e.stack ?? '' });
    }
  }

  // A line the processing thread's pino wrote, logged again through this side's logger (which may be a
  // file, stdout or a test's capture) at its level, with its fields.
  private log(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, time: _time, pid: _pid, hostname: _hostname, ...fields } = entry;
    const label = this.logger.levels.labels[Number(level)] ?? 'info';
    const log = this.logger[label as 'info'];
    if (typeof log === 'function') log.call(this.logger, fields, typeof msg === 'string' ? msg : '');
  }
}

// Buffers arrive from the other thread as plain Uint8Arrays.
function withBuffers(r: OutputRecord): OutputRecord {
  return { ...r, key: asBuffer(r.key), value: asBuffer(r.value) };
}

function asBuffer(b: Uint8Array | null): Buffer | null {
  return b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
