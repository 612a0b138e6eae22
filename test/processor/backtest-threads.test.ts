// The threaded backtest equals the core it runs in its workers, record for record, and holds the reader
// back when the workers are behind instead of queueing the whole input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backtest } from '../../src/processor/backtest.ts';
import { ThreadedBacktest } from '../../src/processor/backtest-threads.ts';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/processor/config.ts';
import type { InputRecord } from '../../src/processor/partition-processor.ts';
import { bankInput } from '../helpers/bank-input.ts';

test('two configurations in worker threads give the tables of the in-process core, and add() waits when they are behind', { timeout: 120_000 }, async () => {
  const configs = [DEFAULT_CONFIG, resolveConfig({ overrides: ['caseOpenScore=0.9'] })];
  const input = bankInput({ seed: 'threads', total: 30_000, malformed: 30 });
  const records: InputRecord[] = input.map((m, i) => ({
    partition: i % 3,
    offset: Math.floor(i / 3),
    timestamp: 0,
    key: m.key,
    value: m.value,
    headers: m.headers,
  }));
  const expected = new Backtest(configs, 3_600_000);
  for (const r of records) expected.add(r);

  // Three partitions read at the same time, as the command does: each may be held back.
  const threaded = new ThreadedBacktest(configs, 3_600_000);
  let waits = 0;
  await Promise.all([0, 1, 2].map(async (p) => {
    for (const r of records) {
      if (r.partition !== p) continue;
      const wait = threaded.add(r);
      if (wait !== undefined) {
        waits++;
        await wait;
      }
    }
  }));
  assert.equal(threaded.records, records.length);
  assert.deepEqual(await threaded.tables(), JSON.parse(JSON.stringify(expected.tables())));
  assert.ok(waits > 0, 'the reader was held back at least once');
});
