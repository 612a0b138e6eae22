// Issue #5, end to end through the embedded broker: 50,000 seeded events including 200 malformed records.
// `buzzline consume` runs as a child process and is killed with SIGKILL twice while the input is still
// arriving; an uninterrupted in-process run of another group over the same input is the reference.
// Checked: every malformed record in the DLQ with its reason and origin; alerts and notifications in their
// topics, the log and on the console; the killed run's alert and notification id sets equal to the
// reference's, none published twice;
// exact metric totals for both.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TOPICS } from '../../src/bank/transaction.ts';
import { createLogger } from '../../src/logging.ts';
import { DEFAULT_CONFIG } from '../../src/processor/config.ts';
import { PROCESSOR_DEFAULTS, runProcessor } from '../../src/processor/consumer.ts';
import { bankInput, groupLag, inputProducer, inputTotals, produceInput, readOutputs, waitFor, windowTotals } from '../helpers/bank-input.ts';
import { startBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/fetch-all.ts';
import { spawnBuzzline, type BuzzlineChild } from '../helpers/processes.ts';

const TOTAL = 50_000;
const MALFORMED = 200;
const GROUP = 'banking-consumer-group';
const CLEAN_GROUP = 'reference-run';

let tb: TestBroker;
let work: string;
const input = bankInput({ seed: 'issue-5', total: TOTAL, malformed: MALFORMED });

before(async () => {
  // No initial rebalance delay: a restarted processor should not wait 3 s for company that never comes.
  tb = await startBroker({ defaultPartitions: 3, groupInitialRebalanceDelayMs: 0 });
  work = tempDir('buzzline-recovery-');
});

after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function spawnProcessor(life: number): BuzzlineChild {
  return spawnBuzzline([
    'consume', '--brokers', tb.bootstrap, '--no-dashboard', '--quiet', '--group', GROUP, '--instance-id', 'worker-1',
    '--checkpoint-interval', '300', '--session-timeout', '6000', '--log-file', path.join(work, `consumer-${life}.log`), '--log-level', 'debug',
  ]);
}

// Complete lines only: the processor may be writing the last one while we read.
function logLines(file: string): Array<Record<string, unknown>> {
  return fs.readFileSync(file, 'utf8').split('\n').slice(0, -1).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function processedSoFar(life: number): Promise<boolean> {
  const file = path.join(work, `consumer-${life}.log`);
  // A checkpoint line means records were processed and committed: the process is mid-run.
  return fs.existsSync(file) && logLines(file).some((l) => l.event === 'checkpoint');
}

test('kill -9 twice during the run: DLQ complete, alert ids equal to an uninterrupted run, nothing published twice', { timeout: 120_000 }, async (t) => {
  const producer = inputProducer(tb.bootstrap);

  // The input arrives in three parts. The first is there before the processor starts; each next one
  // starts arriving once the current life has checkpointed, and that life is killed while it arrives. So
  // every kill comes with input still arriving and left to process, however slow the machine (a fixed
  // schedule lets a slow start find the whole input produced, or a fast one commit it all before the kill).
  const parts = [input.slice(0, 20_000), input.slice(20_000, 35_000), input.slice(35_000)];
  await produceInput(producer, parts[0] as typeof input, { batch: 1000, pauseMs: 0 });
  let proc = spawnProcessor(0);
  let producing: Promise<void> = Promise.resolve();
  const kills: number[] = [];
  for (let life = 0; life < 2; life++) {
    await waitFor(`processor life ${life} to checkpoint`, () => processedSoFar(life), 30_000, 50);
    await producing;
    // 15 batches of 1000, 100 ms apart: still arriving at the kill below.
    producing = produceInput(producer, parts[life + 1] as typeof input, { batch: 1000, pauseMs: 100 });
    await new Promise((r) => setTimeout(r, 400 + life * 300));
    proc.child.kill('SIGKILL');
    assert.equal(await proc.exited, null, 'killed by the signal');
    kills.push(Number(await groupLag(tb.bootstrap, GROUP)));
    proc = spawnProcessor(life + 1);
  }
  await producing;
  await producer.close();
  await waitFor('the group to commit the whole input', async () => (await groupLag(tb.bootstrap, GROUP)) === 0n, 60_000);
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0, proc.stderr());
  assert.ok(kills.every((lag) => lag > 0), `both kills happened with input left to process (lag at kill: ${kills.join(', ')})`);

  // The reference: one uninterrupted run of another group, in-process, over the same records.
  const consoleLines: string[] = [];
  const logFile = path.join(work, 'reference.log');
  const controller = new AbortController();
  const stats = await runProcessor(
    { ...PROCESSOR_DEFAULTS, brokers: [tb.bootstrap], group: CLEAN_GROUP, config: DEFAULT_CONFIG, logFile, logLevel: 'info' },
    controller.signal,
    {
      logger: createLogger('banking-consumer', { level: 'info', file: logFile }),
      console: (line) => consoleLines.push(line),
      onStats: (s) => {
        if (s.processed >= TOTAL) controller.abort();
      },
    },
  );
  assert.equal(stats.processed, TOTAL);
  assert.equal(stats.dlq, MALFORMED);

  const reference = await readOutputs(tb.bootstrap, CLEAN_GROUP);
  const killed = await readOutputs(tb.bootstrap, GROUP);

  // Every malformed record in the DLQ, with its reason and where it came from.
  const source = [...(await fetchAll(tb.bootstrap, TOPICS.transactions)).values()].flat();
  const expectedDlq = source
    .filter((r) => r.key?.toString('utf8').startsWith('bad-'))
    .map((r) => {
      const key = r.key?.toString('utf8') ?? '';
      const reason = input.find((m) => m.key.toString('utf8') === key)?.badReason ?? '?';
      return `${key} ${reason} ${r.partition}:${r.offset}`;
    })
    .sort();
  assert.equal(expectedDlq.length, MALFORMED);
  const dlqLines = (d: typeof reference.dlq) => d.map((x) => `${x.key} ${x.reason} ${x.partition}:${x.offset}`);
  assert.deepEqual(dlqLines(reference.dlq).sort(), expectedDlq, 'reference run: exactly the malformed records, with their reasons');
  // Dead letters are at least once: a record replayed after a kill may be sent again, same headers.
  assert.deepEqual([...new Set(dlqLines(killed.dlq))].sort(), expectedDlq, 'killed run: every malformed record, with its reason');

  // Alerts: topic, log and console agree in the reference run.
  const referenceIds = [...reference.alertIds].sort();
  assert.ok(referenceIds.length > 100, `only ${referenceIds.length} alerts`);
  assert.equal(new Set(referenceIds).size, referenceIds.length);
  const loggedIds = logLines(logFile).flatMap((l) => (l.event === 'alert' ? [(l.alert as { id: string }).id] : []));
  assert.deepEqual([...loggedIds].sort(), referenceIds, 'every published alert is in logs, once');
  // Customer notifications (low balance, overdraft) have their own topic, and the same lines.
  const referenceNotes = [...reference.notificationIds].sort();
  assert.ok(referenceNotes.some((id) => id.endsWith(':low_balance')), 'low_balance notifications');
  assert.equal(new Set(referenceNotes).size, referenceNotes.length);
  const loggedNotes = logLines(logFile).flatMap((l) => (l.event === 'notification' ? [(l.alert as { id: string }).id] : []));
  assert.deepEqual([...loggedNotes].sort(), referenceNotes, 'every published notification is in logs, once');
  const consoleIds = consoleLines.map((l) => /\[([^\]]+)\]$/.exec(l)?.[1] ?? l);
  assert.deepEqual(consoleIds.sort(), [...referenceIds, ...referenceNotes].sort(), 'every published alert and notification is on the console, once');
  assert.ok(consoleLines.some((l) => /^ALERT \S+ HIGH +low_balance /.test(l)), "the seed's HIGH alert line for low balance");

  // The point of the exercise.
  assert.deepEqual([...new Set(killed.alertIds)].sort(), referenceIds, 'the killed run publishes the same alert id set');
  assert.equal(killed.alertIds.length, referenceIds.length, 'and no alert twice');
  assert.deepEqual([...new Set(killed.notificationIds)].sort(), referenceNotes, 'the killed run publishes the same notification id set');
  assert.equal(killed.notificationIds.length, referenceNotes.length, 'and no notification twice');
  // Cases: every publication (case id @ version) once, the same in both runs, the same content.
  const caseIds = (cs: typeof reference.cases) => cs.map((c) => `${c.case_id}@${c.version}`);
  const referenceCases = caseIds(reference.cases).sort();
  assert.ok(referenceCases.length > 10, `only ${referenceCases.length} case publications`);
  assert.equal(new Set(referenceCases).size, referenceCases.length);
  assert.deepEqual([...new Set(caseIds(killed.cases))].sort(), referenceCases, 'the killed run publishes the same case updates');
  assert.equal(killed.cases.length, referenceCases.length, 'and none twice');
  const caseById = new Map(reference.cases.map((c) => [`${c.case_id}@${c.version}`, JSON.stringify(c)]));
  for (const c of killed.cases) assert.equal(JSON.stringify(c), caseById.get(`${c.case_id}@${c.version}`), `case ${c.case_id}@${c.version} differs`);
  const byId = new Map(reference.alerts.map((a) => [a.id, JSON.stringify(a)]));
  for (const a of killed.alerts) assert.equal(JSON.stringify(a), byId.get(a.id), `alert ${a.id} differs`);

  // Metrics: exact totals, the killed run included (re-sent windows replace, never add).
  const expected = inputTotals(input);
  assert.deepEqual(windowTotals(reference.windows), expected);
  assert.deepEqual(windowTotals(killed.windows), expected);

  // The restarted processes really restored state and suppressed what their predecessors had published.
  const lives = [1, 2].map((life) => logLines(path.join(work, `consumer-${life}.log`)));
  for (const lines of lives) assert.ok(lines.some((l) => l.event === 'partition-start' && l.fromSnapshot === true), 'a restart resumes from snapshots');
  const starts = lives.map((lines) => lines.filter((l) => l.event === 'partition-start').map((l) => `p${String(l.partition)}@${String(l.nextOffset)}/${String(l.alreadyEmitted)}`).join(' '));
  t.diagnostic(`lag at the kills: ${kills.join(', ')}; restarts (partition@offset/alerts already published): ${starts.join(' | ')}`);
  t.diagnostic(`${referenceIds.length} alerts, ${killed.dlq.length} dead letters in the killed run (${MALFORMED} distinct)`);
});
