// The world of a SimulatorThread (simulator-thread.ts): an in-process Simulator whose events are written
// into the ring as fast as the reader makes room, until it closes the ring.
import { parentPort, workerData } from 'node:worker_threads';
import { EventRingWriter } from './event-ring.ts';
import { Simulator } from './simulator.ts';
import type { SimulatorWorkerInit, SimulatorWorkerMessage } from './simulator-thread.ts';

const port = parentPort;
if (port === null) throw new Error('simulator-worker.ts runs as a worker thread of SimulatorThread');
const init = workerData as SimulatorWorkerInit;
const answer = (m: SimulatorWorkerMessage) => port.postMessage(m);
const writer = new EventRingWriter(init.ring);

function build(): Simulator | undefined {
  try {
    return new Simulator(init.options);
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    answer({ kind: 'failed', name: error.name, message: error.message });
    return undefined;
  }
}

const simulator = build();
if (simulator !== undefined) {
  answer({ kind: 'ready', idPrefix: simulator.idPrefix, currency: simulator.currency });
  try {
    while (writer.append(simulator.nextEvent()));
  } catch (err) {
    writer.fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
  }
}
