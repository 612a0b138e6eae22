// `buzzline produce` settings: command-line flags win over environment variables, which win over a
// `.env` file, which wins over the defaults. Every value is validated here, once, with a message that
// names the flag (or variable) and says what is allowed, so bad input never reaches the producer.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { isTransactionTimeMs, TOPICS } from '../bank/transaction.ts';
import { DEFAULT_FRAUD_RATE, MAX_FRAUD_RATE } from '../bank/scenarios/fraud.ts';
import { parseBrokerList } from '../kafka-brokers.ts';
import { isTopicName, TOPIC_NAME_RULE } from '../kafka-topic-names.ts';
import { accountsForRate, rateForAccounts } from './population.ts';
import { resolveKafkaSecurity, SECURITY_ENV, SECURITY_FLAGS } from '../kafka-security.ts';
import type { KafkaSecurity, SecurityFlags } from '../kafka-security.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Acks = -1 | 0 | 1;

// Raw option values as commander hands them over: strings, absent when the flag was not given.
export interface ProduceFlags extends SecurityFlags {
  brokers?: string;
  topic?: string;
  rate?: string;
  speed?: string;
  count?: string;
  duration?: string;
  seed?: string;
  accounts?: string;
  fraudRate?: string;
  acks?: string;
  start?: string;
  logLevel?: string;
  logFile?: string;
  batchSize?: string;
  maxInFlight?: string;
  bankState?: string;
  newBank?: boolean; // a flag only: an environment variable would start a new bank on every run
}

type ValueFlag = Exclude<keyof ProduceFlags, 'newBank'>;

export interface ProducerConfig {
  brokers: string[]; // host:port
  security: KafkaSecurity; // TLS / SASL options of the client
  topic: string;
  rate: number; // the bank's mean transactions per second at speed 1 (follows accounts)
  speed: number; // simulated ms per wall ms; Infinity = as fast as acknowledgements allow
  count: number | undefined; // stop after this many messages
  durationMs: number | undefined; // or after this much wall-clock time
  seed: string;
  accounts: number;
  fraudRate: number | 'demo'; // fraud incidents per 1,000 customers per year, or the demo level
  acks: Acks;
  startMs: number; // simulated start time
  logLevel: LogLevel;
  logFile: string;
  batchSize: number; // most messages in one produce request
  maxInFlight: number; // produce requests awaiting acknowledgement
  clientId: string;
  bankStateFile: string;
  newBank: boolean;
  // The options that define a bank which were given (flag or environment), as "--flag value" for
  // messages; absent ones were defaults, which a resumed bank replaces with its own.
  given: { seed?: string; accounts?: string; fraudRate?: string; start?: string };
}

type Env = Readonly<Record<string, string | undefined>>;

// Flag -> environment variable. Names follow the KAFKA_* / SIM_* / PRODUCER_* families documented in
// the README; LOG_LEVEL is a shared fallback for every buzzline process.
export const ENV_VARS: Readonly<Record<ValueFlag, string>> = {
  brokers: 'KAFKA_BROKERS',
  topic: 'KAFKA_TOPIC',
  acks: 'KAFKA_ACKS',
  rate: 'PRODUCER_RATE',
  speed: 'SIM_SPEED',
  count: 'PRODUCER_COUNT',
  duration: 'PRODUCER_DURATION',
  logLevel: 'PRODUCER_LOG_LEVEL',
  logFile: 'PRODUCER_LOG_FILE',
  batchSize: 'PRODUCER_BATCH_SIZE',
  maxInFlight: 'PRODUCER_MAX_IN_FLIGHT',
  seed: 'SIM_SEED',
  accounts: 'SIM_ACCOUNTS',
  fraudRate: 'SIM_FRAUD_RATE',
  start: 'SIM_START',
  bankState: 'SIM_BANK_STATE',
  ...SECURITY_ENV,
};

const FLAG_NAMES: Readonly<Record<ValueFlag, string>> = {
  brokers: '--brokers',
  topic: '--topic',
  acks: '--acks',
  rate: '--rate',
  speed: '--speed',
  count: '--count',
  duration: '--duration',
  logLevel: '--log-level',
  logFile: '--log-file',
  batchSize: '--batch-size',
  maxInFlight: '--max-in-flight',
  seed: '--seed',
  accounts: '--accounts',
  fraudRate: '--fraud-rate',
  start: '--start',
  bankState: '--bank-state',
  ...SECURITY_FLAGS,
};

export const DEFAULTS = {
  brokers: 'localhost:9092',
  topic: TOPICS.transactions,
  rate: 1,
  speed: 1,
  fraudRate: DEFAULT_FRAUD_RATE,
  bankState: 'data/bank.json',
  acks: 'all',
  logLevel: 'info',
  logFile: 'logs/banking_producer.log',
  batchSize: 1000,
  maxInFlight: 5,
} as const;

const MAX_ACCOUNTS = 10_000_000;
const MAX_SPEED = 1_000_000_000;

export class ConfigError extends Error {
  readonly code = 'BUZZLINE_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

// The `.env` file as a record; a missing file is not an error (it is optional).
export function readDotEnv(path = '.env'): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseEnv(text) as Record<string, string>;
}

// Environment as the producer sees it: real variables override the `.env` file, like `node --env-file`.
export function mergedEnv(dotEnv: Env, env: Env = process.env): Env {
  return { ...dotEnv, ...env };
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

// "90" (seconds), "500ms", "60s", "5m", "1h30m". Returns milliseconds.
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (trimmed === '') return Number.NaN;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let match = DURATION_PART.exec(trimmed); match !== null; match = DURATION_PART.exec(trimmed)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    end = DURATION_PART.lastIndex;
  }
  return end === trimmed.length ? total : Number.NaN;
}

export function resolveProducerConfig(flags: ProduceFlags, env: Env = process.env, nowMs = Date.now()): ProducerConfig {
  const errors: string[] = [];
  // Which source a value came from, so error messages point at the thing the user has to fix.
  const source = (name: ValueFlag): { raw: string; where: string } | undefined => {
    const flag = flags[name];
    if (flag !== undefined) return { raw: flag, where: FLAG_NAMES[name] };
    const variable = env[ENV_VARS[name]];
    if (variable !== undefined && variable.trim() !== '') return { raw: variable, where: ENV_VARS[name] };
    return undefined;
  };
  const fail = (where: string, raw: string, rule: string): undefined => {
    errors.push(`invalid ${where} "${raw}": ${rule}`);
    return undefined;
  };
  const number = (name: ValueFlag, fallback: number, rule: string, valid: (n: number) => boolean): number => {
    const given = source(name);
    if (!given) return fallback;
    const value = given.raw.trim() === '' ? Number.NaN : Number(given.raw);
    if (!valid(value)) {
      fail(given.where, given.raw, rule);
      return fallback;
    }
    return value;
  };

  const brokerSource = source('brokers');
  let brokers: string[] = [];
  try {
    brokers = parseBrokerList(brokerSource?.raw ?? DEFAULTS.brokers);
  } catch (err) {
    fail(brokerSource?.where ?? '--brokers', brokerSource?.raw ?? '', (err as Error).message);
  }

  let security: KafkaSecurity = {};
  try {
    security = resolveKafkaSecurity(flags, env).connection;
  } catch (err) {
    errors.push((err as Error).message);
  }

  const topicSource = source('topic');
  const topic = topicSource?.raw.trim() ?? DEFAULTS.topic;
  if (!isTopicName(topic)) fail(topicSource?.where ?? '--topic', topic, TOPIC_NAME_RULE);

  // --rate and --accounts are two ways to say how big the bank is (see population.ts); a flag for either
  // replaces both environment defaults, as for --count and --duration.
  const sizeFlags = flags.rate !== undefined || flags.accounts !== undefined;
  const sizeSource = (name: 'rate' | 'accounts'): { raw: string; where: string } | undefined =>
    sizeFlags ? (flags[name] !== undefined ? { raw: flags[name], where: FLAG_NAMES[name] } : undefined) : source(name);
  const rateSource = sizeSource('rate');
  const accountsSource = sizeSource('accounts');
  let rate: number = DEFAULTS.rate;
  let accounts: number | undefined;
  if (rateSource && accountsSource) {
    errors.push(`use either ${rateSource.where} or ${accountsSource.where}, not both: the bank's rate follows from its accounts (each makes a few transactions a day), so one sets the other`);
  } else if (accountsSource) {
    const n = accountsSource.raw.trim() === '' ? Number.NaN : Number(accountsSource.raw);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_ACCOUNTS) accounts = n;
    else fail(accountsSource.where, accountsSource.raw, `must be a whole number of accounts from 1 to ${MAX_ACCOUNTS}`);
  } else if (rateSource) {
    const n = rateSource.raw.trim() === '' ? Number.NaN : Number(rateSource.raw);
    if (n === 0) fail(rateSource.where, rateSource.raw, 'the rate is the bank\'s transactions per second in real time; for as fast as possible use --speed max');
    else if (!(Number.isFinite(n) && n > 0)) fail(rateSource.where, rateSource.raw, 'must be a number of transactions per second > 0 (e.g. 1 or 0.5)');
    else if (accountsForRate(n) > MAX_ACCOUNTS) fail(rateSource.where, rateSource.raw, `needs ${accountsForRate(n).toLocaleString('en-US')} accounts, more than ${MAX_ACCOUNTS.toLocaleString('en-US')}; use --speed to go faster`);
    else rate = n;
  }
  accounts ??= accountsForRate(rate);
  if (accountsSource) rate = rateForAccounts(accounts);

  const speedSource = source('speed');
  let speed: number = DEFAULTS.speed;
  if (speedSource) {
    const raw = speedSource.raw.trim().toLowerCase();
    const n = raw === 'max' ? Number.POSITIVE_INFINITY : raw === '' ? Number.NaN : Number(raw);
    if (raw === 'max' || (Number.isFinite(n) && n > 0 && n <= MAX_SPEED)) speed = n;
    else fail(speedSource.where, speedSource.raw, `expected how many times faster than the wall clock the bank's clock runs, a number > 0 up to ${MAX_SPEED} (1 = real time), or max (as fast as possible)`);
  }
  const fraudSource = source('fraudRate');
  const fraudRate: number | 'demo' =
    fraudSource?.raw.trim().toLowerCase() === 'demo'
      ? 'demo'
      : number('fraudRate', DEFAULTS.fraudRate, `must be "demo" or a number of fraud incidents per 1,000 customers per year from 0 to ${MAX_FRAUD_RATE} (default ${DEFAULTS.fraudRate})`, (n) => Number.isFinite(n) && n >= 0 && n <= MAX_FRAUD_RATE);
  const batchSize = number('batchSize', DEFAULTS.batchSize, 'must be a whole number of messages from 1 to 100000', (n) => Number.isInteger(n) && n >= 1 && n <= 100_000);
  const maxInFlight = number('maxInFlight', DEFAULTS.maxInFlight, 'must be a whole number from 1 to 64', (n) => Number.isInteger(n) && n >= 1 && n <= 64);

  // --count and --duration are alternatives; a flag for either replaces both environment defaults.
  const stopFlags = flags.count !== undefined || flags.duration !== undefined;
  const stopSource = (name: 'count' | 'duration'): { raw: string; where: string } | undefined =>
    stopFlags ? (flags[name] !== undefined ? { raw: flags[name], where: FLAG_NAMES[name] } : undefined) : source(name);
  const countSource = stopSource('count');
  const durationSource = stopSource('duration');
  let count: number | undefined;
  let durationMs: number | undefined;
  if (countSource) {
    const n = countSource.raw.trim() === '' ? Number.NaN : Number(countSource.raw);
    if (Number.isSafeInteger(n) && n >= 1) count = n;
    else fail(countSource.where, countSource.raw, 'must be a whole number of messages >= 1');
  }
  if (durationSource) {
    const ms = parseDuration(durationSource.raw);
    if (Number.isFinite(ms) && ms > 0) durationMs = ms;
    else fail(durationSource.where, durationSource.raw, 'expected a duration such as 90, 500ms, 60s, 5m or 1h30m');
  }
  if (countSource && durationSource) errors.push(`use either ${countSource.where} or ${durationSource.where}, not both`);

  const acksSource = source('acks');
  const acksRaw = (acksSource?.raw ?? DEFAULTS.acks).trim().toLowerCase();
  const acksByName: Readonly<Record<string, Acks>> = { all: -1, '-1': -1, leader: 1, '1': 1, none: 0, '0': 0 };
  const acks = acksByName[acksRaw];
  if (acks === undefined) fail(acksSource?.where ?? '--acks', acksRaw, 'expected all (-1), 1 (leader) or 0 (none)');

  const seedSource = source('seed');
  // Without --seed every run differs; the chosen seed is logged and printed so any run can be replayed.
  const seed = seedSource?.raw.trim() || randomBytes(4).toString('hex');

  const startSource = source('start');
  let startMs = nowMs;
  if (startSource && startSource.raw.trim().toLowerCase() !== 'now') {
    const parsed = Date.parse(startSource.raw);
    if (!Number.isFinite(parsed)) fail(startSource.where, startSource.raw, 'expected an ISO 8601 time such as 2025-01-06T00:00:00Z, or "now"');
    // A bank in 1970 or 2200 would be all dead letters to the processor (bad_timestamp).
    else if (!isTransactionTimeMs(parsed)) fail(startSource.where, startSource.raw, 'transactions must happen between 2000 and 2099 (the processor dead-letters other times)');
    else startMs = parsed;
  }

  const levelSource = source('logLevel') ?? (env.LOG_LEVEL ? { raw: env.LOG_LEVEL, where: 'LOG_LEVEL' } : undefined);
  const levelRaw = (levelSource?.raw ?? DEFAULTS.logLevel).trim().toLowerCase();
  const logLevel = LOG_LEVELS.find((level) => level === levelRaw);
  if (!logLevel) fail(levelSource?.where ?? '--log-level', levelRaw, `expected one of ${LOG_LEVELS.join(', ')}`);

  const logFileSource = source('logFile');
  const logFile = logFileSource?.raw.trim() || DEFAULTS.logFile;
  const bankStateSource = source('bankState');
  const bankStateFile = bankStateSource?.raw.trim() || DEFAULTS.bankState;
  const given = (s: { raw: string; where: string } | undefined): string | undefined => (s ? `${s.where} ${s.raw.trim()}` : undefined);

  if (errors.length > 0) throw new ConfigError(errors.join('\n'));
  return {
    brokers,
    security,
    topic,
    rate,
    speed,
    count,
    durationMs,
    seed,
    accounts,
    fraudRate,
    acks: acks ?? -1,
    startMs,
    logLevel: logLevel ?? 'info',
    logFile,
    batchSize,
    maxInFlight,
    clientId: 'buzzline-producer',
    bankStateFile,
    newBank: flags.newBank === true,
    given: { seed: given(seedSource), accounts: given(accountsSource ?? rateSource), fraudRate: given(source('fraudRate')), start: startSource?.raw.trim().toLowerCase() === 'now' ? undefined : given(startSource) },
  };
}
