// The processing thread: a StreamRunner with its PartitionProcessors, fed by RunnerThread
// (runner-thread.ts) on the Kafka thread. Everything the runner needs from Kafka (RunnerPorts) is a
// request to the Kafka thread; its log lines go there too, to be written by the processor's logger.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { unpackRecords } from './record-transfer.ts';
import type { CommitOffset, RunnerPorts, StoredSnapshot } from './runner-ports.ts';
import { StreamRunner } from './runner.ts';
import type { FromRunner, PortMethod, RunnerThreadInit, ToRunner } from './runner-thread.ts';
import type { OutputRecord } from './sinks.ts';

const port = parentPort;
if (port === null) throw new Error('runner-worker.ts runs as a worker thread of RunnerThread');
const init = workerData as RunnerThreadInit;
const post = (message: FromRunner, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

let nextCall = 0;
const calls = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

function call<T>(method: PortMethod, args: unknown[], transfer?: ArrayBuffer[]): Promise<T> {
  const id = nextCall++;
  return new Promise<T>((resolve, reject) => {
    calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
    post({ type: 'call', id, method, args }, transfer);
  });
}

// What crosses to the Kafka thread with a send. A Buffer is cloned together with all the memory it views:
// a metrics record's value (tens of kilobytes at full speed) owns its memory and is moved, not copied; a
// dead letter's key and value are views of a whole input batch (record-transfer.ts), so they are copied
// out first, or each would clone the batch's hundreds of kilobytes. Small values from Buffer's pool
// (alerts) clone at most one pool slab per send.
function crossing(records: readonly OutputRecord[]): ArrayBuffer[] {
  const moved: ArrayBuffer[] = [];
  for (const r of records) {
    r.key = detached(r.key, moved);
    r.value = detached(r.value, moved);
  }
  return moved;
}

function detached(b: Buffer | null, moved: ArrayBuffer[]): Buffer | null {
  if (b === null || !(b.buffer instanceof ArrayBuffer)) return b;
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) {
    moved.push(b.buffer);
    return b;
  }
  return b.buffer.byteLength > Buffer.poolSize ? Buffer.from(b) : b;
}

const ports: RunnerPorts = {
  send: (records: OutputRecord[]) => call('send', [records], crossing(records)),
  loadSnapshot: (partition: number) => call<StoredSnapshot | null>('loadSnapshot', [partition]),
  emittedAlertIds: (partition: number, from: bigint | null) => call<string[]>('emittedAlertIds', [partition, from]),
  alertsEnd: (partitions: readonly number[]) => call<Map<number, bigint>>('alertsEnd', [partitions]),
  saveSnapshots: (snapshots: readonly StoredSnapshot[]) => call('saveSnapshots', [snapshots]),
  commit: (offsets: readonly CommitOffset[]) => call('commit', [offsets]),
  seek: (partition: number, offset: bigint) => post({ type: 'seek', partition, offset }),
};

const logger = pino({ level: init.logLevel }, { write: (line: string) => post({ type: 'log', line }) });
const runner = new StreamRunner(ports, { ...init.options, logger });

// Records are applied strictly in the order they arrived, one batch after the other.
let queue: Promise<void> = Promise.resolve();

function fail(err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'failed', message: e.message, stack: e.stack ?? '' });
}

async function apply(batch: ArrayBuffer, caughtUp: boolean): Promise<void> {
  for (const record of unpackRecords(batch)) {
    const pending = runner.handle(record);
    if (pending !== undefined) await pending;
  }
  if (caughtUp) runner.caughtUp();
}

port.on('message', (message: ToRunner) => {
  switch (message.type) {
    case 'records':
      queue = queue
        .then(() => apply(message.batch, message.caughtUp))
        .then(() => post({ type: 'applied', id: message.id }), fail);
      return;
    case 'reply': {
      const c = calls.get(message.id);
      calls.delete(message.id);
      if (message.error === undefined) c?.resolve(message.value);
      else c?.reject(Object.assign(new Error(message.error), { stack: message.stack }));
      return;
    }
    case 'tick':
      // A failure of background work (a send, a timer checkpoint) is reported at the next tick at the latest.
      try {
        runner.throwIfFailed();
        runner.tick()?.catch(fail);
      } catch (err) {
        fail(err);
      }
      post({ type: 'stats', stats: runner.stats() });
      return;
    case 'rebalance':
      runner.rebalanceStarted();
      return;
    case 'assignment':
      post({ type: 'assigned', id: message.id, dropped: runner.assignmentChanged(message.partitions, message.fresh) });
      return;
    case 'stop':
      runner.stopAccepting();
      return;
    case 'close':
      queue
        .then(() => runner.close())
        .then(() => post({ type: 'closed', stats: runner.stats() }), fail);
      return;
  }
});
