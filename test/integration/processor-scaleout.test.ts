// Issue #5: two processors of one group over a 6-partition bank_alerts. The second joins once the first
// has checkpointed part of the input, and more input follows, so partitions move with their state; afterwards they are split between the two, and the
// per-partition windows in bank_metrics add up exactly to the input. Each processor runs two processing
// threads (runner-threads.ts), so partitions also leave and join threads within a member.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import pino from 'pino';
import { TOPICS } from '../../src/bank/transaction.ts';
import { DEFAULT_CONFIG } from '../../src/processor/config.ts';
import { PROCESSOR_DEFAULTS, runProcessor, type ProcessorStats } from '../../src/processor/consumer.ts';
import { bankInput, groupLag, groupOffsets, inputProducer, inputTotals, produceInput, readOutputs, waitFor, windowTotals } from '../helpers/bank-input.ts';
import { startBroker, type TestBroker } from '../helpers/broker.ts';

const TOTAL = 30_000;
const MALFORMED = 60;
const GROUP = 'banking-consumer-group';

let tb: TestBroker;
// The processors' own logs (debug: checkpoints with their offsets, assignments, restores), shown when the
// group does not catch up, so that a failure here says which partition stalled and where.
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzline-scaleout-'));

before(async () => {
  tb = await startBroker({ groupInitialRebalanceDelayMs: 0 });
  const admin = new Admin({ clientId: 'scaleout-admin', bootstrapBrokers: [tb.bootstrap] });
  await admin.createTopics({ topics: [TOPICS.transactions], partitions: 6, replicas: 1 });
  await admin.close();
});

after(async () => {
  await tb.stop();
  fs.rmSync(logDir, { recursive: true, force: true });
});

interface Worker {
  name: string;
  controller: AbortController;
  done: Promise<ProcessorStats>;
  assignments: number[][];
}

function startWorker(name: string): Worker {
  const controller = new AbortController();
  const assignments: number[][] = [];
  const done = runProcessor(
    { ...PROCESSOR_DEFAULTS, processingThreads: 2, brokers: [tb.bootstrap], group: GROUP, clientId: name, config: DEFAULT_CONFIG, checkpointIntervalMs: 250, sessionTimeoutMs: 6000, logFile: '/dev/null' },
    controller.signal,
    { logger: pino({ level: 'debug' }, pino.destination({ dest: path.join(logDir, `${name}.log`), sync: true })), console: undefined, onAssignment: (p) => assignments.push(p) },
  );
  return { name, controller, done, assignments };
}

test('two processors split 6 partitions, and bank_metrics adds up to the input exactly', { timeout: 90_000 }, async (t) => {
  const input = bankInput({ seed: 'scale-out', total: TOTAL, malformed: MALFORMED });
  const a = startWorker('processor-a');
  await waitFor('processor a to be assigned', () => a.assignments.length > 0, 20_000, 50);
  assert.deepEqual(a.assignments.at(-1), [0, 1, 2, 3, 4, 5]);

  // The input arrives in two parts: the first while A is alone, the second once B has its partitions, so
  // B continues partitions A has state for (A checkpointed every one of them first) with input left to
  // process, however fast or slow the machine.
  const producer = inputProducer(tb.bootstrap);
  await produceInput(producer, input.slice(0, 18_000), { batch: 500, pauseMs: 40 });
  await waitFor('processor a to checkpoint every partition', async () => (await groupOffsets(tb.bootstrap, GROUP)).every((o) => o.committed > 0n), 30_000, 50);
  const b = startWorker('processor-b');
  await waitFor('processor b to be assigned', () => (b.assignments.at(-1)?.length ?? 0) > 0, 30_000, 50);
  await produceInput(producer, input.slice(18_000), { batch: 500, pauseMs: 40 });
  await producer.close();
  await waitFor('the group to commit the whole input', async () => (await groupLag(tb.bootstrap, GROUP)) === 0n, 60_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${[a, b].map((w) => `${w.name}, its last log lines:\n${logTail(w.name, 20)}`).join('\n')}`);
  });

  const finalA = a.assignments.at(-1) ?? [];
  const finalB = b.assignments.at(-1) ?? [];
  a.controller.abort();
  b.controller.abort();
  const [statsA, statsB] = await Promise.all([a.done, b.done]);

  assert.ok(finalA.length > 0 && finalB.length > 0, `both own partitions: a [${finalA}], b [${finalB}]`);
  assert.deepEqual([...finalA, ...finalB].sort(), [0, 1, 2, 3, 4, 5], 'the partitions are split, each owned once');
  assert.ok(statsB.restores > 0, 'b continued partitions from a\'s snapshots');
  assert.ok(statsA.processed + statsB.processed >= TOTAL);

  const out = await readOutputs(tb.bootstrap, GROUP);
  assert.deepEqual(windowTotals(out.windows), inputTotals(input), 'bank_metrics totals equal the input, per type, in counts and amounts');
  assert.equal(new Set(out.alertIds).size, out.alertIds.length, 'no alert published twice across the hand-over');
  assert.deepEqual([...new Set(out.dlq.map((d) => d.key))].sort(), input.filter((m) => m.badReason !== null).map((m) => m.key.toString('utf8')).sort());
  t.diagnostic(`a: [${finalA}] processed ${statsA.processed}; b: [${finalB}] processed ${statsB.processed}, restored ${statsB.restores}, skipped ${statsB.skipped}; ${out.alertIds.length} alerts`);
});

// The last lines of a processor's log without alerts and dead letters (most of it, and they say nothing
// about progress).
function logTail(name: string, lines: number): string {
  const all = fs.readFileSync(path.join(logDir, `${name}.log`), 'utf8').split('\n');
  return all.filter((l) => l !== '' && !l.includes('"event":"alert"') && !l.includes('"event":"dlq"')).slice(-lines).join('\n');
}
