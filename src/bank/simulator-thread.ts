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
  static async start(options: SimulatorOptions, ringWords?: number): Promise<SimulatorThread> {
    const ring = createEventRing(ringWords);
    // "Now" is the caller's, not the moment the thread gets round to it.
    const init: SimulatorWorkerInit = { options: { ...options, startMs: options.startMs ?? Date.now() }, ring };
    const worker = new Worker(new URL('./simulator-worker.ts', import.meta.url), { workerData: init });
    try {
      const ready = await new Promise<Extract<SimulatorWorkerMessage, { kind: 'ready' }>>((resolve, reject) => {
        worker.once('message', (m: SimulatorWorkerMessage) => {
          if (m.kind === 'ready') resolve(m);
          else reject(Object.assign(m.name === 'RangeError' ? new RangeError(m.message) : new Error(m.message), { name: m.name }));
        });
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the simulator's thread exited (code ${code}) before its world was built`)));
      });
      worker.removeAllListeners();
      // Failures after this reach the reader through the ring; an 'error' event must not crash the process.
      worker.on('error', () => {});
      // Nor may a simulator someone forgot to close keep the process alive: its thread only ever waits.
      worker.unref();
      return new SimulatorThread(worker, new EventRingReader(ring, new EventContext(ready.idPrefix, ready.currency)), ready.idPrefix);
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
