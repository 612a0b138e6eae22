// One bank in real time, through the real broker, read back with kcat (librdkafka):
// - at the default speed an event's timestamp is the wall-clock time it was produced (within 2 s);
//   at --speed N the bank's clock runs N times as fast;
// - N events, a restart, M events are the first N + M events of one run with the same seed (wall-clock
//   timestamps aside): same customers, balances carried over, each account's event time never goes back;
// - after a kill -9 with batches in flight the restart counts exactly what the broker holds: no event
//   twice, none missing;
// - options that would change the stored bank are refused, naming --new-bank, and --new-bank starts over.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { Simulator } from '../../src/bank/simulator.ts';
import type { Transaction } from '../../src/bank/transaction.ts';
import { ConfigError, DEFAULTS, resolveProducerConfig } from '../../src/producer/config.ts';
import type { ProduceFlags } from '../../src/producer/config.ts';
import { runProducer } from '../../src/producer/producer.ts';
import { startBroker, tempDir } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { until } from '../helpers/groups.ts';
import { BUZZLINE, run, track } from '../helpers/processes.ts';

const START = '2026-11-02T08:00:00Z';
const silent = pino({ level: 'silent' });
let tb: TestBroker;
let work: string;
before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
  work = tempDir('buzzline-producer-restart-');
});
after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Row {
  partition: number;
  createTimeMs: number;
  key: string;
  tx: Transaction;
}

async function readAll(topic: string): Promise<Row[]> {
  const res = await run('kcat', ['-b', tb.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p\t%T\t%k\t%s\n']);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout.split('\n').filter(Boolean).map((line) => {
    const [p, t, key, value] = line.split('\t') as [string, string, string, string];
    return { partition: Number(p), createTimeMs: Number(t), key, tx: JSON.parse(value) as Transaction };
  });
}

function seqOf(tx: Transaction): number {
  return Number(tx.transaction_id.slice(tx.transaction_id.lastIndexOf('-') + 1));
}

function produce(topic: string, flags: ProduceFlags) {
  const config = resolveProducerConfig({ brokers: tb.bootstrap, topic, logLevel: 'silent', logFile: '/dev/null', bankState: path.join(work, `${topic}.json`), ...flags }, {});
  return runProducer(config, undefined, { logger: silent, report: () => {} });
}

// Every row is the event of the same sequence number in one uninterrupted run, timestamps aside; each
// sequence number appears once; per account the timestamps never go back.
function assertOneRun(rows: Row[], seed: string, total: number): Map<number, Row> {
  const bySeq = new Map<number, Row>();
  for (const row of rows) {
    assert.ok(!bySeq.has(seqOf(row.tx)), `${row.tx.transaction_id} twice`);
    bySeq.set(seqOf(row.tx), row);
  }
  assert.equal(bySeq.size, total);
  const sim = new Simulator({ seed, accounts: 1000, fraudRate: DEFAULTS.fraudRate, startMs: Date.parse(START) });
  const lastTime = new Map<string, number>();
  for (let seq = 0; seq < total; seq++) {
    const expected = sim.nextEvent().value;
    const row = bySeq.get(seq);
    assert.ok(row, `event ${seq} missing`);
    assert.deepEqual({ ...row.tx, timestamp: '' }, { ...expected, timestamp: '' }, `event ${seq}`);
    const at = Date.parse(row.tx.timestamp);
    assert.ok(at >= (lastTime.get(row.key) ?? 0), `${row.key}'s time goes back at event ${seq}`);
    lastTime.set(row.key, at);
  }
  return bySeq;
}

test('at speed 1 every event carries the wall-clock time it was produced', { timeout: 180_000 }, async () => {
  // --rate 2: a bank of ~67,000 accounts; a few events come within seconds at any hour.
  const child = track(spawn(process.execPath, [BUZZLINE, 'produce', '--brokers', tb.bootstrap, '--topic', 'realtime', '--rate', '2', '--count', '5',
    '--log-level', 'warn', '--log-file', path.join(work, 'realtime.log'), '--bank-state', path.join(work, 'realtime.json')], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, output);
  const rows = await readAll('realtime');
  assert.equal(rows.length, 5);
  for (const row of rows) {
    // CreateTime is the client's clock when it sent the record.
    const skew = Math.abs(Date.parse(row.tx.timestamp) - row.createTimeMs);
    assert.ok(skew <= 2000, `timestamp ${row.tx.timestamp} is ${skew} ms from the send time ${new Date(row.createTimeMs).toISOString()}`);
  }
});

test('--speed N: the bank\'s clock runs N times the wall clock, from the present; the status says "simulated xN"', { timeout: 120_000 }, async () => {
  const statuses: string[] = [];
  const config = resolveProducerConfig({ brokers: tb.bootstrap, topic: 'speed', accounts: '5000', speed: '600', duration: '4s', seed: 'speed', logLevel: 'silent', logFile: '/dev/null', bankState: path.join(work, 'speed.json') }, {});
  const totals = await runProducer(config, undefined, { logger: silent, report: () => {}, status: (text) => statuses.push(text) });
  const times = (await readAll('speed')).map((r) => Date.parse(r.tx.timestamp)).sort((a, b) => a - b);
  assert.equal(times.length, totals.produced);
  assert.ok(times.length > 10, `${times.length} events`);
  const span = (times.at(-1) as number) - (times[0] as number);
  // At most 4 s of pacing, at least the part of it after the bank was built and connected.
  assert.ok(span <= 600 * 4_100 && span >= 600 * 1_000, `${span} ms of bank time in ${totals.elapsedMs} ms`);
  assert.ok((times[0] as number) >= Date.now() - totals.elapsedMs - 5_000, 'a new bank starts at the present');
  assert.match(statuses.at(-1) ?? '', /\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d simulated x600 \|/);
});

test('N events, restart, M events = the first N + M events of one run; balances carried over, time never back', { timeout: 120_000 }, async () => {
  const flags: ProduceFlags = { seed: 'continue', accounts: '1000', speed: 'max', start: START };
  const first = await produce('continue', { ...flags, count: '3000' });
  assert.equal(first.produced, 3000);
  const restartedAt = Date.now();
  // The same seed and options continue the bank; so does giving none of them.
  const second = await produce('continue', { ...flags, count: '2000' });
  assert.equal(second.replayed, 3000);
  const third = await produce('continue', { speed: 'max', count: '1000' });
  assert.equal(third.replayed, 5000);
  assert.match(third.bank, /continuing the bank in .*continue\.json, seed continue/);

  const bySeq = assertOneRun(await readAll('continue'), 'continue', 6000);
  // The first run kept its --start calendar; the restart put the bank's clock at the present (the bank
  // calendar then runs behind by the downtime) and kept it running from there.
  assert.equal(bySeq.get(0)?.tx.timestamp.slice(0, 10), '2026-11-02');
  const resumed = Date.parse(bySeq.get(3000)?.tx.timestamp ?? '');
  assert.ok(resumed >= restartedAt - 1000, `the restarted bank resumes at the present: ${bySeq.get(3000)?.tx.timestamp}`);
  const state = JSON.parse(fs.readFileSync(path.join(work, 'continue.json'), 'utf8')) as { produced: number; seed: string; accounts: number };
  assert.deepEqual({ produced: state.produced, seed: state.seed, accounts: state.accounts }, { produced: 6000, seed: 'continue', accounts: 1000 });
});

test('after kill -9 with batches in flight the restart continues at exactly what the broker holds', { timeout: 120_000 }, async () => {
  const child = track(spawn(process.execPath, [BUZZLINE, 'produce', '--brokers', tb.bootstrap, '--topic', 'killed', '--seed', 'killed', '--accounts', '1000',
    '--start', START, '--speed', 'max', '--batch-size', '500', '--log-level', 'warn', '--log-file', path.join(work, 'killed.log'),
    '--bank-state', path.join(work, 'killed.json')], { stdio: 'ignore' }));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // Killed while it streams: once the topic holds some of its events.
  await until(() => fs.existsSync(path.join(work, 'killed.json')) && (JSON.parse(fs.readFileSync(path.join(work, 'killed.json'), 'utf8')) as { produced: number }).produced >= 5000, 60_000, 'the first events');
  child.kill('SIGKILL');
  await exited;
  const held = (await readAll('killed')).length;
  const after = await produce('killed', { accounts: '1000', speed: 'max', count: '2000' });
  assert.equal(after.replayed, held);
  assertOneRun(await readAll('killed'), 'killed', held + 2000);
});

test('options that would change the stored bank are refused naming --new-bank; --new-bank and another --seed start over', { timeout: 60_000 }, async () => {
  await produce('options', { seed: 'options', accounts: '1000', speed: 'max', start: START, count: '100' });
  const refused = await produce('options', { accounts: '2000', speed: 'max', count: '1' }).then(() => undefined, (error: unknown) => error);
  assert.ok(refused instanceof ConfigError, String(refused));
  assert.match(refused.message, /cannot continue with these options: --accounts 2000 makes 2,000 accounts, the bank has 1,000\. .*--new-bank/);
  const fresh = await produce('options', { newBank: true, seed: 'options', accounts: '2000', speed: 'max', start: START, count: '10' });
  assert.equal(fresh.replayed, 0);
  assert.match(fresh.bank, /new bank \(--new-bank\)/);
  const other = await produce('options', { seed: 'other', accounts: '2000', speed: 'max', count: '10' });
  assert.equal(other.replayed, 0);
  assert.match(other.bank, /new bank: seed other instead of options/);
  const rows = await readAll('options');
  assert.equal(rows.filter((r) => r.tx.transaction_id.endsWith('-0000000000')).length, 3, 'three banks, each from its first event');
});
