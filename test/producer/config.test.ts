import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, mergedEnv, parseDuration, readDotEnv, resolveProducerConfig } from '../../src/producer/config.ts';
import { accountsForRate, eventsPerAccountDay, rateForAccounts } from '../../src/producer/population.ts';

const NOW = Date.UTC(2025, 5, 1, 12);

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

test('defaults: localhost:9092, bank_alerts, a bank of 1 tx/s in real time, acks all, state in data/bank.json', () => {
  const config = resolveProducerConfig({}, {}, NOW);
  assert.deepEqual(config.brokers, ['localhost:9092']);
  assert.equal(config.topic, 'bank_alerts');
  assert.equal(config.rate, 1);
  assert.equal(config.speed, 1);
  assert.equal(config.bankStateFile, 'data/bank.json');
  assert.equal(config.newBank, false);
  assert.deepEqual(config.given, { seed: undefined, accounts: undefined, fraudRate: undefined, start: undefined });
  assert.equal(config.count, undefined);
  assert.equal(config.durationMs, undefined);
  assert.equal(config.acks, -1);
  assert.equal(config.accounts, accountsForRate(1));
  assert.equal(config.fraudRate, 20);
  assert.equal(config.startMs, NOW);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.logFile, 'logs/banking_producer.log');
  // No seed given: a fresh random one, reported so the run can be replayed.
  assert.match(config.seed, /^[0-9a-f]{8}$/);
  assert.notEqual(resolveProducerConfig({}, {}, NOW).seed, config.seed);
});

test('flags beat environment variables, which beat defaults', () => {
  const env = { KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093', KAFKA_TOPIC: 'from_env', SIM_SPEED: '60', SIM_SEED: 'env-seed', SIM_ACCOUNTS: '50', KAFKA_ACKS: '1', SIM_BANK_STATE: '/tmp/b.json' };
  const fromEnv = resolveProducerConfig({}, env, NOW);
  assert.deepEqual(fromEnv.brokers, ['kafka-1:9092', 'kafka-2:9093']);
  assert.equal(fromEnv.topic, 'from_env');
  assert.equal(fromEnv.speed, 60);
  assert.equal(fromEnv.seed, 'env-seed');
  assert.equal(fromEnv.accounts, 50);
  assert.equal(fromEnv.rate, rateForAccounts(50));
  assert.equal(fromEnv.acks, 1);
  assert.equal(fromEnv.bankStateFile, '/tmp/b.json');
  assert.deepEqual(fromEnv.given, { seed: 'SIM_SEED env-seed', accounts: 'SIM_ACCOUNTS 50', fraudRate: undefined, start: undefined });
  const fromFlags = resolveProducerConfig({ brokers: 'localhost:19092', rate: '2', speed: 'max', seed: 'flag-seed', acks: 'none' }, env, NOW);
  assert.deepEqual(fromFlags.brokers, ['localhost:19092']);
  assert.equal(fromFlags.rate, 2);
  assert.equal(fromFlags.accounts, accountsForRate(2), 'a --rate flag replaces SIM_ACCOUNTS');
  assert.equal(fromFlags.speed, Number.POSITIVE_INFINITY);
  assert.equal(fromFlags.seed, 'flag-seed');
  assert.equal(fromFlags.acks, 0);
  assert.equal(fromFlags.topic, 'from_env');
});

test('.env supplies defaults that real environment variables override', () => {
  const dir = mkdtempSync(join(tmpdir(), 'buzzline-env-'));
  const file = join(dir, '.env');
  writeFileSync(file, '# comment\nKAFKA_TOPIC=dotenv_topic\nPRODUCER_RATE=7\nSIM_SEED="quoted seed"\nSIM_SPEED=max\n');
  const dotEnv = readDotEnv(file);
  assert.deepEqual(dotEnv, { KAFKA_TOPIC: 'dotenv_topic', PRODUCER_RATE: '7', SIM_SEED: 'quoted seed', SIM_SPEED: 'max' });
  const config = resolveProducerConfig({}, mergedEnv(dotEnv, { PRODUCER_RATE: '9' }), NOW);
  assert.equal(config.topic, 'dotenv_topic');
  assert.equal(config.rate, 9);
  assert.equal(config.speed, Number.POSITIVE_INFINITY);
  assert.equal(config.seed, 'quoted seed');
  assert.deepEqual(readDotEnv(join(dir, 'missing.env')), {});
});

test('bad flags fail with a message naming the flag, the value and the rule', () => {
  assert.match(errorOf(() => resolveProducerConfig({ rate: '-5' }, {}, NOW)), /invalid --rate "-5": must be a number of transactions per second > 0/);
  assert.match(errorOf(() => resolveProducerConfig({ rate: 'fast' }, {}, NOW)), /invalid --rate "fast"/);
  assert.match(errorOf(() => resolveProducerConfig({ rate: '0' }, {}, NOW)), /invalid --rate "0": .*use --speed max/);
  assert.match(errorOf(() => resolveProducerConfig({ rate: '1000' }, {}, NOW)), /invalid --rate "1000": needs [\d,]+ accounts, more than 10,000,000; use --speed/);
  assert.match(errorOf(() => resolveProducerConfig({ speed: '0' }, {}, NOW)), /invalid --speed "0": expected how many times faster .* or max/);
  assert.match(errorOf(() => resolveProducerConfig({ speed: 'fast' }, {}, NOW)), /invalid --speed "fast"/);
  assert.match(errorOf(() => resolveProducerConfig({ rate: '2', accounts: '100' }, {}, NOW)), /use either --rate or --accounts, not both: the bank's rate follows from its accounts/);
  assert.match(errorOf(() => resolveProducerConfig({}, { PRODUCER_RATE: '2', SIM_ACCOUNTS: '100' }, NOW)), /use either PRODUCER_RATE or SIM_ACCOUNTS, not both/);
  assert.match(errorOf(() => resolveProducerConfig({ duration: 'abc' }, {}, NOW)), /invalid --duration "abc": expected a duration such as 90, 500ms, 60s/);
  assert.match(errorOf(() => resolveProducerConfig({ count: '0' }, {}, NOW)), /invalid --count "0"/);
  assert.match(errorOf(() => resolveProducerConfig({ count: '2.5' }, {}, NOW)), /invalid --count "2.5"/);
  assert.match(errorOf(() => resolveProducerConfig({ accounts: '0' }, {}, NOW)), /invalid --accounts "0"/);
  assert.match(errorOf(() => resolveProducerConfig({ fraudRate: '-1' }, {}, NOW)), /invalid --fraud-rate "-1": must be "demo" or a number of fraud incidents per 1,000 customers per year from 0 to 100000/);
  assert.equal(resolveProducerConfig({ fraudRate: 'demo' }, {}, NOW).fraudRate, 'demo');
  assert.equal(resolveProducerConfig({}, { SIM_FRAUD_RATE: 'DEMO' }, NOW).fraudRate, 'demo');
  assert.match(errorOf(() => resolveProducerConfig({ acks: '2' }, {}, NOW)), /invalid --acks "2"/);
  assert.match(errorOf(() => resolveProducerConfig({ brokers: 'localhost:99999' }, {}, NOW)), /invalid --brokers "localhost:99999"/);
  assert.match(errorOf(() => resolveProducerConfig({ brokers: ' , ' }, {}, NOW)), /invalid --brokers/);
  assert.match(errorOf(() => resolveProducerConfig({ topic: 'no spaces' }, {}, NOW)), /invalid --topic "no spaces"/);
  assert.match(errorOf(() => resolveProducerConfig({ start: 'yesterday' }, {}, NOW)), /invalid --start "yesterday"/);
  // A bank whose every transaction the processor would dead-letter (bad_timestamp) is refused up front.
  for (const start of ['1970-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2100-01-01T00:00:00Z', '2200-01-01T00:00:00Z']) {
    assert.match(errorOf(() => resolveProducerConfig({ start }, {}, NOW)), new RegExp(`invalid --start "${start}": transactions must happen between 2000 and 2099`));
  }
  assert.match(errorOf(() => resolveProducerConfig({}, { SIM_START: '1970-01-01T00:00:00Z' }, NOW)), /invalid SIM_START "1970-01-01T00:00:00Z"/);
  assert.equal(resolveProducerConfig({ start: '2000-01-01T00:00:00Z' }, {}, NOW).startMs, Date.UTC(2000, 0, 1));
  assert.match(errorOf(() => resolveProducerConfig({ logLevel: 'loud' }, {}, NOW)), /invalid --log-level "loud"/);
  assert.match(errorOf(() => resolveProducerConfig({ batchSize: '0' }, {}, NOW)), /invalid --batch-size "0"/);
  assert.match(errorOf(() => resolveProducerConfig({ maxInFlight: '100' }, {}, NOW)), /invalid --max-in-flight "100"/);
});

test('bad environment values name the variable; all problems are reported at once', () => {
  assert.match(errorOf(() => resolveProducerConfig({}, { PRODUCER_RATE: 'abc' }, NOW)), /invalid PRODUCER_RATE "abc"/);
  assert.match(errorOf(() => resolveProducerConfig({}, { LOG_LEVEL: 'chatty' }, NOW)), /invalid LOG_LEVEL "chatty"/);
  const message = errorOf(() => resolveProducerConfig({ rate: '-1', speed: 'many' }, { SIM_FRAUD_RATE: 'often' }, NOW));
  assert.equal(message.split('\n').length, 3);
});

test('--count and --duration are alternatives; a flag for one replaces both environment values', () => {
  assert.match(errorOf(() => resolveProducerConfig({ count: '10', duration: '5s' }, {}, NOW)), /use either --count or --duration, not both/);
  assert.match(errorOf(() => resolveProducerConfig({}, { PRODUCER_COUNT: '10', PRODUCER_DURATION: '5s' }, NOW)), /use either PRODUCER_COUNT or PRODUCER_DURATION/);
  const config = resolveProducerConfig({ count: '10' }, { PRODUCER_DURATION: '5s' }, NOW);
  assert.equal(config.count, 10);
  assert.equal(config.durationMs, undefined);
  assert.equal(resolveProducerConfig({}, { PRODUCER_DURATION: '2m' }, NOW).durationMs, 120_000);
});

test('acks names and numbers, brokers without a port, start times', () => {
  assert.equal(resolveProducerConfig({ acks: 'ALL' }, {}, NOW).acks, -1);
  assert.equal(resolveProducerConfig({ acks: '-1' }, {}, NOW).acks, -1);
  assert.equal(resolveProducerConfig({ acks: 'leader' }, {}, NOW).acks, 1);
  assert.equal(resolveProducerConfig({ acks: '0' }, {}, NOW).acks, 0);
  assert.deepEqual(resolveProducerConfig({ brokers: 'kafka' }, {}, NOW).brokers, ['kafka:9092']);
  assert.equal(resolveProducerConfig({ start: '2025-01-06T00:00:00Z' }, {}, NOW).startMs, Date.UTC(2025, 0, 6));
  assert.equal(resolveProducerConfig({ start: 'now' }, {}, NOW).startMs, NOW);
});

test('parseDuration accepts plain seconds and unit sequences, rejects anything else', () => {
  assert.equal(parseDuration('90'), 90_000);
  assert.equal(parseDuration('1.5'), 1_500);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration(' 2h '), 7_200_000);
  for (const bad of ['', 'abc', '10x', '5m abc', 'm5', '-5s', '1h-30m']) assert.ok(Number.isNaN(parseDuration(bad)), `"${bad}" should be rejected`);
});

test('--rate sets the accounts from the events per account and day the simulator makes, and back', () => {
  const perDay = eventsPerAccountDay();
  assert.ok(perDay > 1 && perDay < 10, `events per account per day ${perDay}`);
  assert.equal(accountsForRate(1), Math.round(86_400 / perDay));
  const config = resolveProducerConfig({ accounts: '20000' }, {}, NOW);
  assert.equal(config.accounts, 20_000);
  assert.ok(Math.abs(config.rate - (20_000 * perDay) / 86_400) < 1e-9);
  assert.equal(config.given.accounts, '--accounts 20000');
  assert.equal(resolveProducerConfig({ rate: '0.5' }, {}, NOW).given.accounts, '--rate 0.5');
});
