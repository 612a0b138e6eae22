// `buzzline backtest` on every core: the records are read once and each configuration's replay runs in a
// worker thread of its own (backtest-worker.ts), so current and candidate take the time of one replay
// instead of two. Records cross in batches packed into one buffer (record-transfer.ts), one copy per
// worker; at most MAX_IN_FLIGHT batches wait per worker, and add() asks the reader to wait beyond that,
// or a fast broker would pile the whole topic up in memory in front of the slower replays.
import { Worker } from 'node:worker_threads';
import type { ProcessorConfig } from './config.ts';
import type { ScoreTable } from './incident-score.ts';
import type { InputRecord } from './partition-processor.ts';
import { packRecords } from './record-transfer.ts';

const BATCH_RECORDS = 2000;
const MAX_IN_FLIGHT = 4;

export interface BacktestWorkerInit {
  config: ProcessorConfig;
  warmupMs: number;
}

// From a worker: a batch was replayed, its score table at the end, or why it stopped.
export type BacktestWorkerMessage = { kind: 'done' } | { kind: 'table'; table: ScoreTable } | { kind: 'failed'; message: string };

interface Replay {
  worker: Worker;
  inFlight: number;
  table: Promise<ScoreTable>;
}

export class ThreadedBacktest {
  records = 0;
  private readonly replays: Replay[];
  private batch: InputRecord[] = [];
  private failure: Error | null = null;
  private waiting: Array<() => void> = []; // add() calls waiting for the workers to catch up (one per partition read)

  constructor(configs: readonly ProcessorConfig[], warmupMs: number) {
    this.replays = configs.map((config) => this.start({ config, warmupMs }));
  }

  // Records of one partition in offset order; partitions may interleave. Returns a promise when the
  // caller must wait before the next record (the workers are behind), else undefined.
  add(record: InputRecord): Promise<void> | undefined {
    if (this.failure !== null) throw this.failure;
    this.records++;
    this.batch.push(record);
    if (this.batch.length < BATCH_RECORDS) return undefined;
    this.post();
    return this.replays.some((r) => r.inFlight >= MAX_IN_FLIGHT) ? this.waitForRoom() : undefined;
  }

  // The score table of every configuration, in order, once each has replayed every record.
  async tables(): Promise<ScoreTable[]> {
    this.post();
    for (const r of this.replays) r.worker.postMessage('end');
    try {
      return await Promise.all(this.replays.map((r) => r.table));
    } finally {
      await Promise.all(this.replays.map((r) => r.worker.terminate()));
    }
  }

  // Stops the workers without waiting for their tables (the read failed).
  async close(): Promise<void> {
    await Promise.all(this.replays.map((r) => r.worker.terminate()));
  }

  private start(init: BacktestWorkerInit): Replay {
    const worker = new Worker(new URL('./backtest-worker.ts', import.meta.url), { workerData: init });
    const replay: Replay = {
      worker,
      inFlight: 0,
      table: new Promise<ScoreTable>((resolve, reject) => {
        const fail = (error: Error) => {
          this.failure ??= error;
          this.wake();
          reject(error);
        };
        worker.on('message', (m: BacktestWorkerMessage) => {
          if (m.kind === 'done') {
            replay.inFlight--;
            this.wake();
          } else if (m.kind === 'table') resolve(m.table);
          else fail(new Error(`backtest replay failed: ${m.message}`));
        });
        worker.on('error', fail);
        // After its table, a worker is only ever terminated: an exit before it is a failure.
        worker.on('exit', (code) => fail(new Error(`backtest replay stopped (exit code ${code})`)));
      }),
    };
    // A failure while the read still goes on is reported by the next add() or by tables().
    replay.table.catch(() => undefined);
    return replay;
  }

  private post(): void {
    if (this.batch.length === 0) return;
    const packed = packRecords(this.batch);
    this.batch = [];
    this.replays.forEach((r, i) => {
      // The buffer's memory moves to the worker: the last one gets the original, the others a copy.
      const own = i === this.replays.length - 1 ? packed : packed.slice(0);
      r.inFlight++;
      r.worker.postMessage(own, [own]);
    });
  }

  private waitForRoom(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.failure !== null) reject(this.failure);
        else if (this.replays.every((r) => r.inFlight < MAX_IN_FLIGHT)) resolve();
        else this.waiting.push(check);
      };
      check();
    });
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const check of waiting) check();
  }
}
