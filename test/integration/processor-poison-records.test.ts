// Poison records: values far larger than the DLQ topic accepts (one of ~1 MiB, which bank_alerts takes at
// Kafka's default max.message.bytes but whose dead letter with its headers would not fit
// bank_alerts_dlq, and 3 MB and 10 MB ones in a source topic that allows them) among ordinary traffic.
// `buzzline consume` dead-letters each of them once, truncated to what the DLQ takes with its original
// size in the headers, keeps alerting and commits past them, without a single restart.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { TOPICS } from '../../src/bank/transaction.ts';
import { bankInput, groupLag, inputProducer, inputTotals, produceInput, readOutputs, waitFor, windowTotals, type InputMessage } from '../helpers/bank-input.ts';
import { startBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/fetch-all.ts';
import { BUZZLINE, track } from '../helpers/processes.ts';

const GROUP = 'poison-group';
const DLQ_MAX_MESSAGE_BYTES = 1024 * 1024 + 12; // Kafka's default
const POISON_SIZES = [1_048_400, 10_000_000, 3_000_000, 10_000_000];

let tb: TestBroker;
let work: string;

before(async () => {
  tb = await startBroker({ defaultPartitions: 2, groupInitialRebalanceDelayMs: 0 });
  work = tempDir('buzzline-poison-');
  const admin = new Admin({ clientId: 'poison-admin', bootstrapBrokers: [tb.bootstrap] });
  try {
    await admin.createTopics({ topics: [TOPICS.transactions], partitions: 2, replicas: 1, configs: [{ name: 'max.message.bytes', value: String(16 << 20) }] });
  } finally {
    await admin.close();
  }
});

after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function header(headers: [Buffer | null, Buffer | null][], name: string): string | undefined {
  for (const [k, v] of headers) if (k?.toString() === name) return v?.toString() ?? '';
  return undefined;
}

test('poison records are dead-lettered once each, truncated, and processing goes on', { timeout: 240_000 }, async () => {
  const input: InputMessage[] = bankInput({ seed: 'poison', total: 4000, malformed: 24 });
  // Spread out, so that no producer batch holds two of them (bank_alerts takes batches up to 16 MiB).
  POISON_SIZES.forEach((size, i) => {
    const value = Buffer.alloc(size, `{"account_id":"P-${i}","pad":"`);
    input.splice(600 + i * 800, 0, { key: Buffer.from(`poison-${i}`), value, headers: new Map(), badReason: 'oversize', type: null, amountCents: 0 });
  });
  const producer = inputProducer(tb.bootstrap);
  try {
    await produceInput(producer, input, { batch: 100 });
  } finally {
    await producer.close();
  }

  const logFile = path.join(work, 'consumer.log');
  const child = track(spawn(process.execPath, [BUZZLINE, 'consume', '--brokers', tb.bootstrap, '--no-dashboard', '--quiet', '--group', GROUP,
    '--checkpoint-interval', '300', '--log-file', logFile], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const startedMs = Date.now();
  await Promise.race([
    waitFor('the whole input to be committed', async () => (await groupLag(tb.bootstrap, GROUP)) === 0n, 120_000, 250),
    exited.then((code) => assert.fail(`the processor exited with ${code}:\n${stderr}`)),
  ]);
  const elapsedMs = Date.now() - startedMs;
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.doesNotMatch(stderr, /broker unavailable|restarting|refused/, stderr);
  assert.doesNotMatch(fs.readFileSync(logFile, 'utf8'), /"event":"(restart|failed)"/);

  // Exactly one dead letter per poison record, under the DLQ topic's limit, saying what was cut.
  const deadLetters = [...(await fetchAll(tb.bootstrap, TOPICS.deadLetters, { partitionMaxBytes: 8 << 20 })).values()].flat();
  const sizes: number[] = [];
  POISON_SIZES.forEach((size, i) => {
    const mine = deadLetters.filter((r) => r.key?.toString() === `poison-${i}`);
    assert.equal(mine.length, 1, `poison-${i} has ${mine.length} dead letters`);
    const r = mine[0];
    assert.ok(r !== undefined && r.value !== null);
    assert.equal(header(r.headers, 'dlq-reason'), 'oversize');
    assert.equal(header(r.headers, 'dlq-original-size'), String(size));
    assert.equal(header(r.headers, 'dlq-value-stored'), 'truncated');
    assert.ok(r.value.length > 0 && r.value.length < DLQ_MAX_MESSAGE_BYTES, `a ${r.value.length}-byte value`);
    assert.ok(r.value.equals(input.find((m) => m.key.toString() === `poison-${i}`)?.value.subarray(0, r.value.length) ?? Buffer.alloc(0)), 'the first bytes of the original');
    sizes.push(r.value.length);
  });
  // The ordinary bad records keep their whole value.
  assert.equal(deadLetters.filter((r) => header(r.headers, 'dlq-value-stored') !== undefined).length, POISON_SIZES.length);

  // Every record was processed and counted, and alerting went on past the poison records.
  const out = await readOutputs(tb.bootstrap, GROUP);
  assert.deepEqual(windowTotals(out.windows), inputTotals(input));
  assert.equal(new Set(out.alertIds).size, out.alertIds.length, 'no alert twice');
  const lastPoison = new Map<string, bigint>();
  for (const d of out.dlq.filter((d) => d.key.startsWith('poison-'))) {
    if (BigInt(d.offset) > (lastPoison.get(d.partition) ?? -1n)) lastPoison.set(d.partition, BigInt(d.offset));
  }
  const after = out.alerts.filter((a) => BigInt(a.source.offset) > (lastPoison.get(String(a.source.partition)) ?? 0n));
  assert.ok(after.length > 0, `alerts after the last poison record (${out.alerts.length} alerts in all)`);
  console.log(`# ${input.length} records in ${elapsedMs} ms; poison dead letters of ${sizes.join(', ')} bytes; ${out.alerts.length} alerts, ${after.length} after the last poison record`);
});
