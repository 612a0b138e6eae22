// One configuration's replay for ThreadedBacktest (backtest-threads.ts): the pure core (backtest.ts) in a
// worker thread, fed packed batches of records; answers each with 'done' and the end with its table.
import { parentPort, workerData } from 'node:worker_threads';
import { Backtest } from './backtest.ts';
import type { BacktestWorkerInit, BacktestWorkerMessage } from './backtest-threads.ts';
import type { ScoreTable } from './incident-score.ts';
import { unpackRecords } from './record-transfer.ts';

const port = parentPort;
if (port === null) throw new Error('backtest-worker.ts runs as a worker thread of ThreadedBacktest');
const init = workerData as BacktestWorkerInit;
const backtest = new Backtest([init.config], init.warmupMs);
const answer = (m: BacktestWorkerMessage) => port.postMessage(m);

port.on('message', (m: ArrayBuffer | 'end') => {
  try {
    if (m === 'end') {
      answer({ kind: 'table', table: backtest.tables()[0] as ScoreTable });
      return;
    }
    for (const r of unpackRecords(m)) backtest.add(r);
    answer({ kind: 'done' });
  } catch (err) {
    answer({ kind: 'failed', message: (err as Error).stack ?? String(err) });
  }
});
