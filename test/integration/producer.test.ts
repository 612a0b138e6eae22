// `buzzline produce` end to end: 10,000 seeded events into the embedded broker, read back with kcat
// (librdkafka, independent of our client), each one valid against the schema, equal to what the
// simulator generates for the same seed, keyed by account, labelled in headers (scenario, and the incident
// on fraud records); the log holds all.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Simulator } from '../../src/bank/simulator.ts';
import { SIM_LABEL_HEADER, SIM_LABELS, TRANSACTION_TYPES } from '../../src/bank/transaction.ts';
import type { Transaction } from '../../src/bank/transaction.ts';
import { resolveProducerConfig } from '../../src/producer/config.ts';
import { runProducer } from '../../src/producer/producer.ts';
import { startBroker, tempDir } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { run } from '../helpers/processes.ts';

const COUNT = 10_000;
const START = '2026-11-02T08:00:00Z';
let tb: TestBroker;
let work: string;
before(async () => {
  tb = await startBroker();
  work = tempDir('buzzline-producer-');
});
after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function validTransaction(v: unknown): v is Transaction {
  const t = v as Record<string, unknown>;
  const money = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x * 100 - Math.round(x * 100)) < 1e-6;
  return typeof t.transaction_id === 'string' && t.transaction_id.length > 0
    && typeof t.timestamp === 'string' && !Number.isNaN(Date.parse(t.timestamp))
    && typeof t.account_id === 'string' && typeof t.customer_id === 'string'
    && (t.account_type === 'checking' || t.account_type === 'savings')
    && (TRANSACTION_TYPES as readonly unknown[]).includes(t.transaction_type)
    && money(t.amount) && (t.amount as number) >= 0 && money(t.balance)
    && t.currency === 'USD' && typeof t.channel === 'string'
    && typeof t.low_balance_threshold === 'number' && typeof t.overdraft_limit === 'number'
    && Object.keys(t).length >= 12 && Object.keys(t).length <= 16;
}

test(`produce ${COUNT} seeded events; kcat reads every one back valid, keyed, labelled and logged`, async () => {
  const logFile = path.join(work, 'banking_producer.log');
  const config = resolveProducerConfig({
    brokers: tb.bootstrap, count: String(COUNT), speed: 'max', accounts: '1000', seed: 'integration', start: START, fraudRate: 'demo', logFile, logLevel: 'info',
    bankState: path.join(work, 'bank.json'),
  }, {});
  const totals = await runProducer(config, undefined, { report: () => {} });
  assert.equal(totals.produced, COUNT);

  const res = await run('kcat', ['-b', tb.bootstrap, '-C', '-t', 'bank_alerts', '-e', '-q', '-f', '%p\t%k\t%h\t%s\n']);
  assert.equal(res.code, 0, res.stderr);
  const rows = res.stdout.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string, string, string]);
  assert.equal(rows.length, COUNT);

  const expected = new Map(new Simulator({ seed: config.seed, accounts: config.accounts, fraudRate: config.fraudRate, startMs: config.startMs }).take(COUNT).map((e) => [e.value.transaction_id, e]));
  const partitionOf = new Map<string, string>();
  for (const [p, key, headers, value] of rows) {
    const tx: unknown = JSON.parse(value);
    assert.ok(validTransaction(tx), `invalid message ${value}`);
    assert.equal(key, tx.account_id);
    const label = /sim-label=([a-z_]+)/.exec(headers)?.[1];
    assert.ok(headers.startsWith(`${SIM_LABEL_HEADER}=`) && (SIM_LABELS as readonly string[]).includes(label ?? ''), headers);
    const sim = expected.get(tx.transaction_id);
    assert.ok(sim, `unexpected ${tx.transaction_id}`);
    assert.deepEqual(tx, sim.value);
    assert.equal(label, sim.label);
    // Fraud records also name their incident; normal ones do not.
    assert.equal(/sim-incident=(inc-[0-9a-f]+)/.exec(headers)?.[1], sim.incident, headers);
    assert.equal(partitionOf.get(key) ?? p, p, `account ${key} in two partitions`);
    partitionOf.set(key, p);
  }
  for (let i = 0; i < 50 && fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('transaction_id')).length < COUNT; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const logged = fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('transaction_id'));
  assert.equal(logged.length, COUNT);
  // Each line is pino's (level, time, bindings first), with the message as sent as its `tx`.
  const sent = new Map(rows.map(([, key, , value]) => [(JSON.parse(value) as Transaction).transaction_id, { key, value }]));
  for (const line of logged) {
    const entry = JSON.parse(line) as { level: number; time: number; pid: number; hostname: string; name: string; event: string; key: string; label: string; tx: Transaction };
    assert.deepEqual(Object.keys(entry), ['level', 'time', 'pid', 'hostname', 'name', 'event', 'key', 'label', 'tx']);
    assert.equal(entry.level, 30);
    assert.equal(entry.name, 'banking-producer');
    assert.equal(entry.pid, process.pid);
    assert.equal(entry.event, 'produced');
    const record = sent.get(entry.tx.transaction_id);
    assert.ok(record, `logged ${entry.tx.transaction_id} was not sent`);
    assert.equal(entry.key, record.key);
    assert.equal(JSON.stringify(entry.tx), record.value);
    assert.equal(entry.label, expected.get(entry.tx.transaction_id)?.label);
  }
});
