// The processing thread: a StreamRunner with its PartitionProcessors, driven by RunnerThread
// (runner-thread.ts) on the Kafka thread through RunnerControl. Everything the runner needs from Kafka
// (RunnerPorts) is a call to the Kafka thread; its log lines go there too, to be written by the
// processor's logger (worker-log.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { unpackRecords } from './record-transfer.ts';
import { StreamRunner } from './runner.ts';
import { RUNNER_HOST, type RunnerControl, type RunnerHost, type RunnerThreadInit } from './runner-thread-protocol.ts';
import type { SnapshotRecord } from './runner-ports.ts';
import type { OutputRecord } from './sinks.ts';
import { errorToWire, RpcPeer, type Traffic } from './thread-rpc.ts';
import { workerLogger } from './worker-log.ts';

const port = parentPort;
if (port === null) throw new Error('runner-worker.ts runs as a worker thread of RunnerThread');
const init = workerData as RunnerThreadInit;

// What crosses to the Kafka thread with a send. A Buffer is cloned together with all the memory it views:
// a metrics record's value (tens of kilobytes at full speed) owns its memory and is moved, not copied; a
// dead letter's key and value are views of a whole input batch (record-transfer.ts), so they are copied
// out first, or each would clone the batch's hundreds of kilobytes. Small values from Buffer's pool
// (alerts) clone at most one pool slab per send.
function crossing(records: readonly OutputRecord[]): ArrayBuffer[] {
  const moved: ArrayBuffer[] = [];
  for (const r of records) {
    if (r.key !== null) r.key = detached(r.key, moved);
    if (r.value !== null) r.value = detached(r.value, moved);
  }
  return moved;
}

// A checkpoint's snapshot (megabytes when full) is moved too: cloned, it existed three times at once (the
// encoded bytes here, the message in between, the copy on the Kafka thread), while the checkpoint's
// outputs were in flight as well.
function snapshotsCrossing(snapshots: readonly SnapshotRecord[]): ArrayBuffer[] {
  const moved: ArrayBuffer[] = [];
  for (const s of snapshots) s.value = detached(s.value, moved);
  return moved;
}

function detached<B extends Uint8Array>(b: B, moved: ArrayBuffer[]): B | Buffer {
  if (!(b.buffer instanceof ArrayBuffer)) return b;
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) {
    moved.push(b.buffer);
    return b;
  }
  return b.buffer.byteLength > Buffer.poolSize ? Buffer.from(b) : b;
}

// Records are applied strictly in the order they arrived, one batch after the other.
let queue: Promise<void> = Promise.resolve();

function after(work: () => Promise<void>): Promise<void> {
  const done = queue.then(work);
  queue = done.catch(() => {});
  return done;
}

async function apply(batch: ArrayBuffer, caughtUp: boolean): Promise<void> {
  for (const record of unpackRecords(batch)) {
    const pending = runner.handle(record);
    if (pending !== undefined) await pending;
  }
  if (caughtUp) runner.caughtUp();
}

function reportFailure(err: unknown): void {
  host.failed(errorToWire(err));
}

const control: RunnerControl = {
  records: (batch, caughtUp) => after(() => apply(batch, caughtUp)),
  tick: () => {
    // A failure of background work (a send, a timer checkpoint) is reported at the next tick at the latest.
    try {
      runner.throwIfFailed();
      runner.tick()?.catch(reportFailure);
    } catch (err) {
      reportFailure(err);
    }
    return Promise.resolve(runner.stats());
  },
  rebalance: () => runner.rebalanceStarted(),
  assignment: (partitions, fresh) => Promise.resolve(runner.assignmentChanged(partitions, fresh)),
  stop: () => runner.stopAccepting(),
  close: () => after(() => runner.close()).then(() => runner.stats()),
};

const rpc = new RpcPeer<RunnerControl, RunnerHost>({
  local: control,
  remote: RUNNER_HOST,
  transfers: { send: crossing, saveSnapshots: snapshotsCrossing },
  post: (message, transfer) => port.postMessage(message, transfer),
});
port.on('message', (message: Traffic<RunnerControl>) => rpc.receive(message));
const host = rpc.remote;
const runner = new StreamRunner(host, { ...init.options, logger: workerLogger(init.logLevel, (line) => host.log(line)) });
