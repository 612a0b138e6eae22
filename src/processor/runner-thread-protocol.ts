// The two directions of the runner thread's channel (thread-rpc.ts): what the processing thread asks of
// the Kafka thread, and how the Kafka thread drives the runner.
import type { RunnerPorts } from './runner-ports.ts';
import type { RunnerOptions, RunnerStats } from './runner.ts';
import type { Protocol, WireError } from './thread-rpc.ts';

export type ThreadRunnerOptions = Omit<RunnerOptions, 'logger' | 'local' | 'now'>;

export interface RunnerThreadInit {
  options: ThreadRunnerOptions;
  logLevel: string;
}

// Served by RunnerThread on the Kafka thread: the runner's ports (a send resolves once acknowledged, and
// the local sinks are fed there), its log lines (worker-log.ts) and a failure of its background work.
export interface RunnerHost extends Required<RunnerPorts> {
  log(line: string): void;
  failed(error: WireError): void;
}

export const RUNNER_HOST: Protocol<RunnerHost> = {
  send: 'call',
  loadSnapshot: 'call',
  emittedIds: 'call',
  outputEnds: 'call',
  saveSnapshots: 'call',
  commit: 'call',
  seek: 'signal',
  backlogged: 'call',
  log: 'signal',
  failed: 'signal',
};

// Served by runner-worker.ts: the StreamRunner's control surface, in the order the Kafka thread sees it.
export interface RunnerControl {
  // A batch of input records (record-transfer.ts); resolves once every record is applied.
  records(batch: ArrayBuffer, caughtUp: boolean): Promise<void>;
  // StreamRunner.tick; resolves with the stats of this moment.
  tick(): Promise<RunnerStats>;
  rebalance(): void;
  // Resolves with the partitions whose state was dropped.
  assignment(partitions: number[], fresh: boolean): Promise<number[]>;
  stop(): void;
  // After the records handed over before it: StreamRunner.close; resolves with the final stats.
  close(): Promise<RunnerStats>;
}

export const RUNNER_CONTROL: Protocol<RunnerControl> = {
  records: 'call',
  tick: 'call',
  rebalance: 'signal',
  assignment: 'call',
  stop: 'signal',
  close: 'call',
};
