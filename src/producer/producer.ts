// `buzzline produce`: the banking simulator's events into Kafka through @platformatic/kafka, and nothing
// else: no broker internals, so `--brokers` can point at the embedded broker or a real cluster.
//
// Pipeline: generate a batch (key = account_id, JSON value, `sim-*` headers) -> send it as one produce
// request -> on acknowledgement count it and log every message. Up to `maxInFlight` batches are awaiting
// acknowledgement at once so generation overlaps the broker's work. The simulator runs on simulated time;
// pacing is here: an event of simulated time t is released when the wall clock reaches
// wallStart + (t - simStart) / speed, so at `--speed 1` an event's timestamp is the wall-clock time it is
// produced, and `--speed max` sends as fast as acknowledgements allow. One bank continues across runs
// (bank-state.ts). A broker that cannot be reached is reported in one line and retried with backoff
// until it comes back or the run is stopped.
//
// Ordering: failed batches are resent in generation order, but with several batches in flight one can
// fail while a later one succeeds and is written first, exactly as with Kafka's non-idempotent producer.
// `--max-in-flight 1` keeps every account's events in order even across broker failures.

import { compatibilityPartitioner, noopSerializer, Producer } from '@platformatic/kafka';
import type { MessageToProduce, Partitioner } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { IsoFormatter } from '../bank/calendar.ts';
import type { SimEvent } from '../bank/simulator.ts';
import { SimulatorThread } from '../bank/simulator-thread.ts';
import { SIM_INCIDENT_HEADER, SIM_LABEL_HEADER, SIM_LABELS, TRANSACTION_TYPES } from '../bank/transaction.ts';
import type { SimLabel, TransactionType } from '../bank/transaction.ts';
import { describeKafkaError, isUnknownTopicError, missingTopicProblem } from '../kafka-errors.ts';
import { createLogger, logInfoJson } from '../logging.ts';
import { planBank, producedOnBroker, readBankState, writeBankState } from './bank-state.ts';
import type { BankPlan } from './bank-state.ts';
import type { ProducerConfig } from './config.ts';

// Keys and headers are handed over as ready-made Buffers: there are only `accounts` distinct keys and
// five distinct headers, so encoding them once instead of per message takes a measurable share of the
// producer's CPU off the hot path at 100k+ msg/s. Values are the bytes SimEvent.encodeValue writes.
type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;
type Headers = Map<Buffer, Buffer>;

const LABEL_HEADERS: Readonly<Record<SimLabel, Headers>> = Object.fromEntries(
  SIM_LABELS.map((label) => [label, new Map([[Buffer.from(SIM_LABEL_HEADER), Buffer.from(label)]])]),
) as Record<SimLabel, Headers>;
const INCIDENT_HEADER_KEY = Buffer.from(SIM_INCIDENT_HEADER);

// Normal records share one header map; a fraud record also names its incident (rare, so built each time).
function headersOf(event: SimEvent): Headers {
  if (event.incident === undefined) return LABEL_HEADERS[event.label];
  return new Map([...LABEL_HEADERS[event.label], [INCIDENT_HEADER_KEY, Buffer.from(event.incident)]]);
}

// Murmur2 masked to 31 bits, as the Java client does, so keys land on the same partitions as with any
// other Kafka producer; memoised per key Buffer since each account's key Buffer is reused.
function cachingPartitioner(): Partitioner<Buffer, Buffer, Buffer, Buffer> {
  const cache = new WeakMap<Buffer, number>();
  return (message, key) => {
    if (key === undefined) return compatibilityPartitioner(message, key);
    let hash = cache.get(key);
    if (hash === undefined) {
      hash = compatibilityPartitioner(message, key);
      cache.set(key, hash);
    }
    return hash;
  };
}

export interface ProducerTotals {
  produced: number; // acknowledged by the broker (or written, with --acks 0)
  unsent: number; // generated but given up on at shutdown because the broker stayed unreachable
  bytes: number; // value bytes produced
  elapsedMs: number;
  byType: Record<TransactionType, number>;
  byLabel: Record<SimLabel, number>;
  seed: string;
  startMs: number; // simulated start, to replay the run with --seed and --start
  bank: string; // which bank this run is: new, or the one continued (bank-state.ts)
  replayed: number; // events of the continued bank regenerated before this run's first one
  lastTimestamp: string | undefined; // event time of the last produced event
  stoppedBy: 'count' | 'duration' | 'signal';
}

export interface ProducerHooks {
  logger?: Logger; // default: pino to config.logFile at config.logLevel
  // The status text (sent, rate, fraud, in flight, simulated time), every STATUS_INTERVAL_MS and once at
  // the end; where and how it is drawn is the caller's (src/cli/status-line.ts). Default: not shown.
  status?: (text: string) => void;
  report?: (line: string) => void; // one-line problems for the operator; default: stderr
}

// After a stop request, batches still waiting on an unreachable broker get this long before they are
// counted as unsent, so Ctrl+C always ends the run promptly.
const FLUSH_TIMEOUT_MS = 5_000;
const STATUS_INTERVAL_MS = 500;
const STATE_INTERVAL_MS = 1_000;
// Longest sleep while waiting for the next event's time: bounds how late a stop request or a due event
// is noticed.
const MAX_PACING_SLEEP_MS = 100;
const MAX_BACKOFF_MS = 10_000;

function emptyCounts<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export async function runProducer(config: ProducerConfig, signal?: AbortSignal, hooks: ProducerHooks = {}): Promise<ProducerTotals> {
  const logger = hooks.logger ?? createLogger('banking-producer', { level: config.logLevel, file: config.logFile });
  const bank = planBank(config, config.newBank ? undefined : readBankState(config.bankStateFile), config.bankStateFile);
  // The bank's world runs on a thread of its own; this one writes the record values and runs the client.
  const simulator = await SimulatorThread.start({ seed: bank.seed, accounts: bank.accounts, fraudRate: bank.fraudRate, startMs: bank.startMs });
  try {
    return await produce(config, bank, simulator, logger, signal, hooks);
  } finally {
    await simulator.close();
  }
}

async function produce(config: ProducerConfig, bank: BankPlan, simulator: SimulatorThread, logger: Logger, signal: AbortSignal | undefined, hooks: ProducerHooks): Promise<ProducerTotals> {
  const report = hooks.report ?? ((line: string) => process.stderr.write(`${line}\n`));
  const status = hooks.status;
  const logMessages = logger.isLevelEnabled('info');
  // [account index]: the account's key, made once (a bank of n accounts numbers them below 2n).
  const keys: (Buffer | undefined)[] = new Array<Buffer | undefined>(2 * bank.accounts).fill(undefined);
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: config.clientId,
    bootstrapBrokers: config.brokers,
    ...config.security,
    serializers: { key: noopSerializer, value: noopSerializer, headerKey: noopSerializer, headerValue: noopSerializer },
    acks: config.acks,
    partitioner: cachingPartitioner(),
    autocreateTopics: true,
    // Short library-level retries; the loop below owns the long wait for a broker that is down.
    retries: 1,
    retryDelay: 250,
    connectTimeout: 5_000,
  });

  const totals: ProducerTotals = {
    produced: 0,
    unsent: 0,
    bytes: 0,
    elapsedMs: 0,
    byType: emptyCounts(TRANSACTION_TYPES),
    byLabel: emptyCounts(SIM_LABELS),
    seed: bank.seed,
    startMs: bank.startMs,
    bank: bank.why,
    replayed: 0,
    lastTimestamp: undefined,
    stoppedBy: 'signal',
  };
  logger.info({ event: 'start', bank: bank.why, seed: bank.seed, start: new Date(bank.startMs).toISOString(), brokers: config.brokers, topic: config.topic, rate: config.rate, speed: config.speed, count: config.count, durationMs: config.durationMs, accounts: bank.accounts, fraudRate: bank.fraudRate, acks: config.acks }, 'producer starting');

  const startedAt = performance.now();
  let flushDeadline = Number.POSITIVE_INFINITY;
  let retrying: string | undefined;
  const onAbort = () => {
    flushDeadline = performance.now() + FLUSH_TIMEOUT_MS;
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const stopRetrying = (): boolean => performance.now() >= flushDeadline;

  // Runs `operation` until it succeeds, or returns false once a stop request's flush time is used up.
  const withRetry = async (what: string, operation: () => Promise<unknown>): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await operation();
        if (retrying) {
          report(`buzzline produce: connected to ${config.brokers.join(',')} again`);
          logger.info({ event: 'recovered', what }, 'broker reachable again');
          retrying = undefined;
        }
        return true;
      } catch (error) {
        const reason = describeKafkaError(error);
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempt - 1, 5));
        retrying = reason;
        logger.warn({ event: 'retry', what, attempt, reason, backoffMs: backoff }, 'produce failed, retrying');
        if (stopRetrying() || (signal?.aborted && what === 'connect')) return false;
        // A cluster that does not create topics on demand reached fine; saying "cannot connect" sent people
        // looking for a network problem.
        const problem = isUnknownTopicError(error)
          ? missingTopicProblem(config.topic, config.brokers)
          : `cannot ${what} via ${config.brokers.join(',')} (${reason})`;
        report(`buzzline produce: ${problem}; retrying in ${(backoff / 1000).toFixed(1)}s [attempt ${attempt}]`);
        // Before a stop request the wait ends early on the request; after it, the wait is only capped by
        // the flush deadline (an already-aborted signal would turn it into a busy loop).
        await abortableSleep(Math.min(backoff, Math.max(0, flushDeadline - performance.now())), signal?.aborted ? undefined : signal);
        if (stopRetrying()) return false;
      }
    }
  };

  // Status: the rate over the span since the previous one.
  let lastStatusAt = startedAt;
  let lastStatusProduced = 0;
  let inFlightCount = 0;
  const drawStatus = () => {
    if (!status) return;
    const now = performance.now();
    const rate = ((totals.produced - lastStatusProduced) * 1000) / Math.max(1, now - lastStatusAt);
    lastStatusAt = now;
    lastStatusProduced = totals.produced;
    const fraud = totals.produced - totals.byLabel.normal;
    // The bank's date and time; "simulated xN" says plainly when its clock is not the wall clock's pace.
    const clock = totals.lastTimestamp ? totals.lastTimestamp.slice(0, 19).replace('T', ' ') : '-';
    const pace = config.speed === 1 ? '' : config.speed === Number.POSITIVE_INFINITY ? ' simulated, max speed' : ` simulated x${config.speed.toLocaleString('en-US')}`;
    const state = retrying ? ` | RETRYING: ${retrying.slice(0, 60)}` : '';
    status(`${totals.produced.toLocaleString('en-US')} sent | ${Math.round(rate).toLocaleString('en-US')} msg/s | fraud ${fraud} | in flight ${inFlightCount} | ${clock}${pace} | ${formatElapsed(now - startedAt)}${state}`);
  };
  const statusTimer = status ? setInterval(drawStatus, STATUS_INTERVAL_MS) : undefined;
  statusTimer?.unref();

  const connected = await withRetry('connect', () => producer.metadata({ topics: [config.topic], autocreateTopics: true }));

  // What a batch adds to the totals once acknowledged. The per-message log's entries are only kept when
  // it is on: holding ~1000 objects per in-flight batch otherwise costs a good share of the run in GC.
  interface Batch {
    messages: Message[];
    logged: string[] | undefined; // each message's log fields as JSON text (logInfoJson)
    counts: Uint32Array; // TRANSACTION_TYPES, then SIM_LABELS
    bytes: number;
    lastAtMs: number | undefined; // event time of the batch's last event, shifted
  }
  const iso = new IsoFormatter();
  const typeIndex = new Map<string, number>(TRANSACTION_TYPES.map((t, i) => [t, i]));
  const labelIndex = new Map<string, number>(SIM_LABELS.map((l, i) => [l, TRANSACTION_TYPES.length + i]));
  const record = (batch: Batch) => {
    TRANSACTION_TYPES.forEach((type, i) => (totals.byType[type] += batch.counts[i] ?? 0));
    SIM_LABELS.forEach((label, i) => (totals.byLabel[label] += batch.counts[TRANSACTION_TYPES.length + i] ?? 0));
    totals.produced += batch.messages.length;
    totals.bytes += batch.bytes;
    if (batch.lastAtMs !== undefined) totals.lastTimestamp = iso.format(batch.lastAtMs);
    if (batch.logged) for (const fields of batch.logged) logInfoJson(logger, fields);
  };

  // Retries happen in batch order (each waits for the batch before it), so after an outage the backlog
  // reaches the broker in the order it was generated.
  let previous: Promise<void> = Promise.resolve();
  const inFlight = new Set<Promise<void>>();
  const send = (batch: Batch) => {
    const before = previous;
    const { messages } = batch;
    const attempt = producer.send({ messages }).then(
      () => record(batch),
      async (error: unknown) => {
        await before;
        const ok = await withRetry('produce', () => producer.send({ messages }));
        if (ok) record(batch);
        else totals.unsent += messages.length;
        // The first failure is reported by the retry loop; this keeps its reason in the log too.
        logger.debug({ event: 'send-error', reason: describeKafkaError(error) });
      },
    );
    const tracked = attempt.finally(() => {
      inFlight.delete(tracked);
      inFlightCount = inFlight.size;
    });
    previous = tracked;
    inFlight.add(tracked);
    inFlightCount = inFlight.size;
  };

  // Which event comes next, and the clock: the continued bank is regenerated up to what the broker holds,
  // and the shift (bank-state.ts) puts its next event at the present at the earliest.
  const stored = bank.resumed;
  let resumeAtMs = bank.startMs; // simulated time the run continues from
  let shiftMs = 0;
  // Producing (and writing the state file) only once the bank is where it left off: a run stopped while
  // the broker could not tell how far that was leaves the file as it was.
  let ready = connected;
  // The simulator's thread failed: the run stops as on Ctrl+C (batches in flight are flushed, the client
  // closed) and then reports it.
  let failure: unknown;
  if (connected && stored !== undefined) {
    let onBroker = 0;
    const tail = Math.max(10_000, config.maxInFlight * config.batchSize);
    ready = await withRetry("read the bank's progress", async () => (onBroker = await producedOnBroker(config.brokers, config.topic, simulator.idPrefix, tail)));
    if (ready) {
      const replayStarted = performance.now();
      const target = Math.max(onBroker, stored.produced);
      try {
        for (let i = 0; i < target; i++) resumeAtMs = simulator.nextEvent().atMs;
        totals.replayed = target;
        logger.info({ event: 'resume', onBroker, inStateFile: stored.produced, replayed: target, replayMs: Math.round(performance.now() - replayStarted) }, 'bank regenerated');
      } catch (error) {
        failure = error;
        ready = false;
      }
    }
  }
  const wallStartMs = Date.now();
  const startedPacing = performance.now();
  // A continued bank's next event is now at the earliest (and never earlier than its last one). So is a new
  // bank's, whose start was "now" before it took a moment to build, unless it runs at --speed max, where
  // rewriting every timestamp would cost throughput for nothing. An explicit --start keeps its calendar.
  if (stored !== undefined || (config.given.start === undefined && Number.isFinite(config.speed))) shiftMs = Math.max(stored?.shiftMs ?? 0, Math.ceil(wallStartMs - resumeAtMs));
  const saveState = () => {
    writeBankState(config.bankStateFile, { version: 1, seed: bank.seed, accounts: bank.accounts, fraudRate: bank.fraudRate, startMs: bank.startMs, shiftMs, produced: totals.replayed + totals.produced, updatedAt: new Date().toISOString() });
  };
  let savedProduced = -1;
  const stateTimer = setInterval(() => {
    if (!ready || savedProduced === totals.produced) return;
    savedProduced = totals.produced;
    saveState();
  }, STATE_INTERVAL_MS);
  stateTimer.unref();

  let generated = 0;
  let pending: SimEvent | undefined; // generated, not due yet
  if (ready) {
    // Written before the first event, so a run killed at any point leaves the shift its events used.
    saveState();
    for (;;) {
      if (failure !== undefined) break;
      if (signal?.aborted) {
        totals.stoppedBy = 'signal';
        break;
      }
      const elapsed = performance.now() - startedAt;
      if (config.count !== undefined && generated >= config.count) {
        totals.stoppedBy = 'count';
        break;
      }
      if (config.durationMs !== undefined && elapsed >= config.durationMs) {
        totals.stoppedBy = 'duration';
        break;
      }
      // Events up to this simulated time are due.
      const horizon = resumeAtMs + (performance.now() - startedPacing) * config.speed;
      const quota = config.count !== undefined ? Math.min(config.batchSize, config.count - generated) : config.batchSize;
      const batch: Batch = { messages: [], logged: logMessages ? [] : undefined, counts: new Uint32Array(TRANSACTION_TYPES.length + SIM_LABELS.length), bytes: 0, lastAtMs: undefined };
      while (batch.messages.length < quota) {
        let event: SimEvent;
        try {
          event = pending ?? simulator.nextEvent();
        } catch (error) {
          failure = error;
          break;
        }
        pending = undefined;
        if (event.atMs > horizon) {
          pending = event;
          break;
        }
        const accountIndex = event.accountIndex;
        let key = keys[accountIndex];
        if (key === undefined) {
          key = Buffer.from(event.key);
          keys[accountIndex] = key;
        }
        const value = event.encodeValue(shiftMs);
        // The message as sent is the log's `tx`: its bytes are JSON.stringify's text of the transaction.
        batch.logged?.push(`"event":"produced","key":${JSON.stringify(event.key)},"label":"${event.label}","tx":${value.toString('utf8')}`);
        batch.bytes += value.length;
        batch.counts[typeIndex.get(event.type) ?? 0]! += 1;
        batch.counts[labelIndex.get(event.label) ?? 0]! += 1;
        batch.messages.push({ topic: config.topic, key, value, headers: headersOf(event) });
        batch.lastAtMs = event.atMs + shiftMs;
      }
      if (batch.messages.length === 0) {
        const dueInMs = ((pending?.atMs ?? horizon) - horizon) / config.speed;
        const untilEnd = config.durationMs !== undefined ? config.durationMs - elapsed : Number.POSITIVE_INFINITY;
        await abortableSleep(Math.max(1, Math.min(dueInMs, untilEnd, MAX_PACING_SLEEP_MS)), signal);
        continue;
      }
      generated += batch.messages.length;
      send(batch);
      while (inFlight.size >= config.maxInFlight) await Promise.race(inFlight);
    }
  }

  // Flush: every generated batch is either acknowledged or, if the broker stays away past the flush
  // timeout after a stop request, counted as unsent.
  await Promise.all(inFlight);
  signal?.removeEventListener('abort', onAbort);
  if (statusTimer) clearInterval(statusTimer);
  clearInterval(stateTimer);
  if (ready) saveState();
  drawStatus();
  try {
    await producer.close();
  } catch (error) {
    logger.warn({ event: 'close-error', reason: describeKafkaError(error) }, 'error while closing the producer');
  }
  totals.elapsedMs = performance.now() - startedAt;
  logger.info({ event: 'stop', ...totals }, 'producer stopped');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  if (failure !== undefined) throw failure;
  return totals;
}
