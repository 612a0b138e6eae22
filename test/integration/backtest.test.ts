// `buzzline backtest` through the embedded broker: simulated history in bank_alerts, replayed by the
// command under the defaults and a candidate; its scores equal those of the same core fed in-process
// with the records as stored, the candidate's differ where its change matters, and nothing is written:
// no output topic, no consumer group.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { TOPICS } from '../../src/bank/transaction.ts';
import { Backtest } from '../../src/processor/backtest.ts';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/processor/config.ts';
import type { ScoreTable } from '../../src/processor/incident-score.ts';
import { bankInput, inputProducer, produceInput } from '../helpers/bank-input.ts';
import { startBroker, type TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/fetch-all.ts';
import { BUZZLINE, run } from '../helpers/processes.ts';

let tb: TestBroker;

before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
  const producer = inputProducer(tb.bootstrap);
  await produceInput(producer, bankInput({ seed: 'backtest', total: 30_000, malformed: 30 }));
  await producer.close();
});

after(async () => {
  await tb.stop();
});

test('backtest replays bank_alerts through the processing core, compares a candidate, and writes nothing', { timeout: 120_000 }, async () => {
  // The candidate keeps only the amount rule: it must catch fewer incidents than all the rules together.
  const OTHERS_OFF = ['velocity', 'outflow', 'new_payee', 'dormant', 'rapid_in_out', 'structuring', 'drain'].map((rule) => `rules.${rule}.enabled=false`);
  const r = await run(process.execPath, [BUZZLINE, 'backtest', '--brokers', tb.bootstrap, '--warmup', '60', ...OTHERS_OFF.flatMap((o) => ['--set', o]), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { records: number; current: ScoreTable; candidate: ScoreTable };
  assert.equal(out.records, 30_000);

  // The same core over the records as stored gives the same tables.
  const expected = new Backtest([DEFAULT_CONFIG, resolveConfig({ overrides: OTHERS_OFF })], 60 * 60_000);
  for (const [partition, records] of await fetchAll(tb.bootstrap, TOPICS.transactions)) {
    for (const rec of records) {
      const headers = new Map(rec.headers.map(([k, v]) => [String(k), String(v)]));
      expected.add({ partition, offset: rec.offset, timestamp: rec.timestamp, key: rec.key, value: rec.value, headers });
    }
  }
  const [current, candidate] = expected.tables() as [ScoreTable, ScoreTable];
  assert.deepEqual(out.current, JSON.parse(JSON.stringify(current)));
  assert.deepEqual(out.candidate, JSON.parse(JSON.stringify(candidate)));

  assert.ok(current.incidents > 10 && current.cases > 0, JSON.stringify(current));
  assert.ok((candidate.recall ?? 0) < (current.recall ?? 0), `the amount rule alone catches fewer incidents: ${candidate.recall} vs ${current.recall}`);

  // The text form prints both columns.
  const text = await run(process.execPath, [BUZZLINE, 'backtest', '--brokers', tb.bootstrap, '--set', 'caseOpenScore=0.9']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /records replayed twice \(in parallel\)/);
  assert.match(text.stdout, /incident recall +\d/);
  assert.match(text.stdout, /CURRENT +CANDIDATE/);

  const admin = new Admin({ clientId: 'backtest-check', bootstrapBrokers: [tb.bootstrap] });
  try {
    assert.deepEqual((await admin.listTopics()).filter((t) => !t.startsWith('__')).sort(), [TOPICS.transactions]);
    assert.deepEqual((await admin.listGroups()).size, 0, 'no consumer group joined');
  } finally {
    await admin.close();
  }

  const bad = await run(process.execPath, [BUZZLINE, 'backtest', '--brokers', tb.bootstrap, '--set', 'rules.velocity.count=0']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /rules\.velocity\.count must be >= 2/);
});
