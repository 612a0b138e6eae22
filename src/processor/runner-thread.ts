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
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { KafkaPorts } from './kafka-io.ts';
import type { InputRecord } from './partition-processor.ts';
import { packRecords } from './record-transfer.ts';
import type { RunnerStats } from './runner.ts';
import { RUNNER_CONTROL, type RunnerControl, type RunnerHost, type RunnerThreadInit, type ThreadRunnerOptions } from './runner-thread-protocol.ts';
import type { LocalSinks, OutputRecord } from './sinks.ts';
import { withClassification } from './failures.ts';
import { errorFromWire, RpcPeer, type Traffic } from './thread-rpc.ts';
import { WorkerLogRelay } from './worker-log.ts';

// Records per batch: large enough that a batch's fixed costs (a message, a transfer) vanish per record,
// small enough that a batch is a millisecond of work.
const BATCH_RECORDS = 1000;
const MAX_BATCHES_IN_FLIGHT = 4;

// The processing thread's semi-spaces, in MB (its young generation is two of them and a space for large
// new objects). Left to itself V8 grew that generation to 128 MB at full speed (the records of a batch and
// the outputs waiting for acknowledgement survive a collection or two); capped, first by the Worker's
// resourceLimits at 32 MB, then by semi-spaces of 16 (the node flag, which overrides resourceLimits),
// the processor's peak RSS over 400,000 of the bench's records was 90-140 MB lower for a few % more CPU
// per record, and smaller caps cost more CPU for no lower peak (docs/processor.md). Set as V8's flag just
// before the thread's heap is made (V8 reads it whenever it creates a heap), so that the flag the process
// was started with (node-flags.ts) is the Kafka thread's alone.
const SEMI_SPACE_MB = 16;

export interface RunnerThreadOptions {
  runner: ThreadRunnerOptions;
  ports: KafkaPorts;
  local: LocalSinks;
  logger: Logger;
}

export class RunnerThread {
  private readonly worker: Worker;
  private readonly rpc: RpcPeer<RunnerHost, RunnerControl>;
  private batch: InputRecord[] = [];
  private batchesSent = 0;
  private batchesApplied = 0;
  private pushedSinceCaughtUp = false;
  private roomWaiters: Array<() => void> = [];
  private latest: RunnerStats | null = null;
  private failure: Error | null = null;
  private exited = false;
  private closed = false; // the runner closed cleanly; the thread's exit that follows is expected
  onFailure: (() => void) | null = null; // the consume loop stops reading when the runner fails

  constructor(options: RunnerThreadOptions) {
    const { ports, local } = options;
    const relay = new WorkerLogRelay(options.logger);
    // A port's failure is classified here, where the client's error classes are known (failures.ts).
    const classified = <T>(call: Promise<T>): Promise<T> =>
      call.catch((err: unknown) => {
        throw withClassification(err);
      });
    const host: RunnerHost = {
      send: async (records: OutputRecord[]) => {
        const sent = records.map(withBuffers);
        await classified(ports.send(sent));
        local.acknowledged(sent);
      },
      loadSnapshot: (partition) => classified(ports.loadSnapshot(partition)),
      emittedIds: (partition, from, fromSourceOffset) => classified(ports.emittedIds(partition, from, fromSourceOffset)),
      outputEnds: (partitions) => classified(ports.outputEnds(partitions)),
      saveSnapshots: (snapshots) => classified(ports.saveSnapshots(snapshots)),
      commit: (offsets) => classified(ports.commit(offsets)),
      seek: (partition, offset) => ports.seek(partition, offset),
      backlogged: (partitions) => classified(ports.backlogged(partitions)),
      log: (line) => relay.write(line),
      failed: (error) => this.fail(errorFromWire(error)),
    };
    const init: RunnerThreadInit = { options: options.runner, logLevel: options.logger.level };
    v8.setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
    this.worker = new Worker(new URL('./runner-worker.ts', import.meta.url), { workerData: init });
    this.rpc = new RpcPeer<RunnerHost, RunnerControl>({
      local: host,
      remote: RUNNER_CONTROL,
      transfers: { records: (batch) => [batch] },
      post: (message, transfer) => {
        if (!this.exited) this.worker.postMessage(message, transfer);
      },
    });
    this.worker.on('message', (message: Traffic<RunnerHost>) => this.rpc.receive(message));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      this.exited = true;
      const err = new Error(`the processing thread exited (code ${code})`);
      if (!this.closed) this.fail(err);
      this.rpc.close(err);
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
    this.rpc.remote.tick().then(
      (stats) => (this.latest = stats),
      () => {}, // the thread's failure reaches the loop through fail()
    );
  }

  // Group events reach the runner in stream order: records read before them go first.
  rebalanceStarted(): void {
    if (this.batch.length > 0) this.sendBatch(false);
    this.rpc.remote.rebalance();
  }

  // Resolves with the partitions whose state was dropped; rejects when the thread failed meanwhile.
  assignmentChanged(partitions: number[], fresh: boolean): Promise<number[]> {
    if (this.batch.length > 0) this.sendBatch(false);
    return this.rpc.remote.assignment(partitions, fresh);
  }

  stopAccepting(): void {
    this.batch = [];
    this.rpc.remote.stop();
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  throwIfFailed(): void {
    if (this.failure !== null) throw this.failure;
  }

  // The runner's final checkpoint and flush (StreamRunner.close), then the thread ends.
  async close(): Promise<void> {
    this.throwIfFailed();
    let stats: RunnerStats;
    try {
      stats = await this.rpc.remote.close();
    } catch (err) {
      this.fail(err as Error);
      throw err;
    }
    this.closed = true;
    this.latest = stats;
    void this.worker.terminate();
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
    this.batchesSent++;
    this.rpc.remote.records(packRecords(records), caughtUp).then(
      () => {
        this.batchesApplied++;
        if (!this.full) for (const wake of this.roomWaiters.splice(0)) wake();
      },
      (err: unknown) => this.fail(err as Error),
    );
  }

  private fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.rpc.close(err);
    for (const wake of this.roomWaiters.splice(0)) wake();
    this.onFailure?.();
  }
}

// Buffers arrive from the other thread as plain Uint8Arrays.
function withBuffers(r: OutputRecord): OutputRecord {
  return { ...r, key: asBuffer(r.key), value: asBuffer(r.value) };
}

function asBuffer(b: Uint8Array | null): Buffer | null {
  return b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
