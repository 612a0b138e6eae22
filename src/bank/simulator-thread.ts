// The simulator with its world on a thread of its own (simulator-worker.ts): the same events as an
// in-process Simulator with the same options, handed over through a ring of shared memory (event-ring.ts)
// and turned back into SimEvents here, where their record values are written. `buzzline produce` uses
// it, so that building the world and writing the JSON overlap on two cores; analysis code that wants the
// events alone keeps the in-process Simulator.
import { Worker } from 'node:worker_threads';
import { createEventRing, EventRingReader } from './event-ring.ts';
import { EventContext } from './sim-event.ts';
import type { SimEvent } from './sim-event.ts';
import type { SimulatorOptions } from './simulator.ts';

export interface SimulatorWorkerInit {
  options: SimulatorOptions;
  ring: SharedArrayBuffer;
}

// From the worker, once: the world is built (what the reader needs to rebuild its events), or why not.
export type SimulatorWorkerMessage =
  | { kind: 'ready'; idPrefix: string; currency: string }
  | { kind: 'failed'; name: string; message: string };

export class SimulatorThread {
  readonly idPrefix: string;
  readonly #worker: Worker;
  readonly #reader: EventRingReader;
  #closed = false;

  private constructor(worker: Worker, reader: EventRingReader, idPrefix: string) {
    this.#worker = worker;
    this.#reader = reader;
    this.idPrefix = idPrefix;
  }

  // Resolves once the world is built; rejects with the Simulator constructor's error (bad options) or
  // when the thread cannot start.
  static async start(options: SimulatorOptions): Promise<SimulatorThread> {
    const ring = createEventRing();
    // "Now" is the caller's, not the moment the thread gets round to it.
    const init: SimulatorWorkerInit = { options: { ...options, startMs: options.startMs ?? Date.now() }, ring };
    const worker = new Worker(new URL('./simulator-worker.ts', import.meta.url), { workerData: init });
    try {
      const ready = await new Promise<Extract<SimulatorWorkerMessage, { kind: 'ready' }>>((resolve, reject) => {
        const settle = (done: () => void) => {
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          done();
        };
        const onMessage = (m: SimulatorWorkerMessage) =>
          settle(() => (m.kind === 'ready' ? resolve(m) : reject(Object.assign(m.name === 'RangeError' ? new RangeError(m.message) : new Error(m.message), { name: m.name }))));
        const onError = (err: Error) => settle(() => reject(err));
        const onExit = (code: number) => settle(() => reject(new Error(`the simulator's thread exited (code ${code}) before its world was built`)));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
      const reader = new EventRingReader(ring, new EventContext(ready.idPrefix, ready.currency));
      // A thread that dies outside the worker's own error handling (an error thrown by the ring itself, an
      // abort) would otherwise show only as events that stop coming: its reason goes into the ring, for
      // the next nextEvent() to throw. After close() the ring is closed and this changes nothing.
      worker.on('error', (err) => reader.fail(`${err.name}: ${err.message}`));
      worker.on('exit', (code) => reader.fail(`the thread exited (code ${code})`));
      // Nor may a simulator someone forgot to close keep the process alive: its thread only ever waits.
      worker.unref();
      return new SimulatorThread(worker, reader, ready.idPrefix);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  // The next event of the stream, which never ends. Waits (blocking this thread) only when the world
  // has not made it yet; throws if the simulator's thread failed or after close().
  nextEvent(): SimEvent {
    return this.#reader.next();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.close();
    await this.#worker.terminate();
  }
}
