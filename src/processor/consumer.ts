// `buzzline consume`: bank_alerts -> rules -> bank_alerts_high / bank_alerts_dlq / bank_metrics, as one
// member of a consumer group. Any number of processes with the same --group share the partitions; each
// partition's state moves with it through the snapshots in the state topic (docs/processor.md).
//
// Kafka side only: the loop reads a MessagesStream of the group consumer (committed offsets, earliest when
// there are none, no autocommit) and hands every record to the StreamRunner of its partition, on one of
// the processing threads (runner-threads.ts), which own the processing and the checkpoint protocol. Group events are translated
// for it: a heartbeat that reports a rebalance stops processing and checkpoints, the new assignment
// resumes it.
import { Admin, ConfigResourceTypes, Consumer, findErrorBy, noopSerializer, Producer, stringSerializer, type MessagesStream } from '@platformatic/kafka';
import { channel } from 'node:diagnostics_channel';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { CONSUMER_GROUP, TOPICS } from '../bank/transaction.ts';
import type { KafkaSecurity } from '../kafka-security.ts';
import { createLogger } from '../logging.ts';
import { describeKafkaError, isUnknownTopicError, missingTopicProblem } from '../kafka-errors.ts';
import type { ProcessorConfig } from './config.ts';
import { classifyFailure, InstanceFencedError, RestartableError, type Failure } from './failures.ts';
import { KafkaPorts, TopicReader, type OutputTopics } from './kafka-io.ts';
import { emptyRunnerStats, type RunnerStats } from './runner.ts';
import { RunnerThreads } from './runner-threads.ts';
import { LocalSinks } from './sinks.ts';

export const STATE_TOPIC = 'bank_processor_state';
export const NOTIFICATIONS_TOPIC = 'bank_notifications';
export const CASES_TOPIC = 'bank_cases';

export interface ProcessorOptions {
  brokers: string[];
  security: KafkaSecurity;
  topic: string; // source
  group: string;
  instanceId: string | null; // group.instance.id: static membership, a restarted member takes its partitions back at once
  clientId: string;
  config: ProcessorConfig;
  outputs: OutputTopics;
  checkpointIntervalMs: number;
  checkpointRecords: number;
  idleShowMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxBatchRecords: number;
  maxBatchBytes: number;
  maxInFlight: number;
  processingThreads: number; // threads that process partitions (runner-threads.ts)
  logLevel: string;
  logFile: string;
  consoleAlerts: boolean;
}

export const PROCESSOR_DEFAULTS = {
  brokers: ['localhost:9092'],
  security: {},
  topic: TOPICS.transactions,
  group: CONSUMER_GROUP,
  instanceId: null,
  clientId: 'buzzline-consumer',
  outputs: { alerts: TOPICS.alerts, notifications: NOTIFICATIONS_TOPIC, cases: CASES_TOPIC, dlq: TOPICS.deadLetters, metrics: TOPICS.metrics, state: STATE_TOPIC },
  checkpointIntervalMs: 1000,
  checkpointRecords: 200_000,
  // Event time is the wall clock by default: a partition without records for this long has nothing
  // more for its windows, and the dashboard should not wait for the next record to show them.
  idleShowMs: 1000,
  // Short enough that a replacement for a killed member gets its partitions within seconds, long enough
  // for a busy event loop to keep heartbeating.
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  rebalanceTimeoutMs: 30_000,
  maxBatchRecords: 2000,
  // Half the broker's default max.message.bytes (1 MiB): every output batch of a send fits.
  maxBatchBytes: 512 * 1024,
  maxInFlight: 8,
  // One core is left to the Kafka thread, V8's helpers and (with `buzzline start`) the broker and the
  // producer: on 2 cores a second processing thread gained nothing (docs/processor.md).
  processingThreads: Math.max(1, Math.min(2, availableParallelism() - 1)),
  logLevel: 'info',
  logFile: 'logs/banking_consumer.log',
  consoleAlerts: true,
} as const;

export interface ProcessorHooks {
  logger?: Logger; // default: pino to options.logFile
  console?: ((line: string) => void) | undefined; // alert lines; default stdout
  onAssignment?: (partitions: number[]) => void;
  onStats?: (stats: ProcessorStats) => void; // every 200 ms, for status displays and tests
}

export interface ProcessorStats extends RunnerStats {
  elapsedMs: number;
  ratePerSec: number; // processed records per second while records were flowing (first to latest record)
  memberId: string | null;
}

const TICK_MS = 200;
const FETCH_MAX_BYTES = 256 * 1024;

const RESTART_MIN_MS = 500;
const RESTART_MAX_MS = 10_000;

// Keeps a processor running through broker outages: when a run fails transiently (broker gone,
// connection lost, the group coordinator moving; failures.ts), it is started again after a backoff. A
// restart is exactly the recovery path a kill -9 takes (restore the partition snapshots, read back
// published alerts, resume from the committed offsets), so outputs stay exactly-once. A permanent failure
// (a snapshot these settings cannot restore, a bug) would only fail again: it is rethrown at once, as is
// any failure after an abort (Ctrl+C).
export async function superviseProcessor(
  options: ProcessorOptions,
  signal: AbortSignal,
  hooks: ProcessorHooks,
  onRestart: (failure: Failure, error: unknown, delayMs: number, attempt: number) => void,
): Promise<ProcessorStats> {
  for (let attempt = 1; ; attempt++) {
    const startedMs = Date.now();
    try {
      return await runProcessor(options, signal, hooks);
    } catch (error) {
      if (signal.aborted) throw error;
      const failure = classifyFailure(error);
      if (failure.kind === 'permanent') throw error;
      // A run that lasted a while before failing starts the backoff over.
      if (Date.now() - startedMs > RESTART_MAX_MS) attempt = 1;
      const delayMs = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (attempt - 1));
      onRestart(failure, error, delayMs, attempt);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, delayMs);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
      if (signal.aborted) throw error;
    }
  }
}

export async function runProcessor(options: ProcessorOptions, signal?: AbortSignal, hooks: ProcessorHooks = {}): Promise<ProcessorStats> {
  const logger = hooks.logger ?? createLogger('banking-consumer', { level: options.logLevel, file: options.logFile });
  const consoleLine = 'console' in hooks ? hooks.console : (line: string) => process.stdout.write(`${line}\n`);
  const base = { bootstrapBrokers: options.brokers, ...options.security, retries: 5, retryDelay: 250, connectTimeout: 5000 };
  const admin = new Admin({ ...base, clientId: `${options.clientId}-admin` });
  const reader = new Consumer({ ...base, clientId: `${options.clientId}-reader`, groupId: `${options.group}-reader-unused` });
  const producer = new Producer<Buffer, Buffer, string, string>({
    ...base,
    clientId: `${options.clientId}-producer`,
    acks: -1,
    serializers: { key: noopSerializer, value: noopSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  const consumer = new Consumer({
    ...base,
    clientId: options.clientId,
    groupId: options.group,
    ...(options.instanceId !== null ? { groupInstanceId: options.instanceId } : {}),
    autocommit: false,
    sessionTimeout: options.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs,
    rebalanceTimeout: Math.max(options.rebalanceTimeoutMs, options.sessionTimeoutMs),
    maxWaitTime: 500,
    highWaterMark: 4096,
    // Per fetch response, and per partition in it (the broker still returns a larger first batch whole).
    // The client decodes a response straight from the socket chunks it arrived in, and every read it makes
    // locates its position by walking that chunk list from the start, so decoding costs grow with the
    // response size: the default 50 MB made record decoding the largest cost of the processor, at a few
    // thousand records per fetch it is a small one.
    maxBytes: FETCH_MAX_BYTES,
  });

  const startedAt = performance.now();
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null = null;
  let runner: RunnerThreads | null = null;
  let ticker: NodeJS.Timeout | undefined;
  const stats = (): ProcessorStats => {
    const s = runner?.stats() ?? emptyRunnerStats();
    const elapsedMs = performance.now() - startedAt;
    const busyMs = s.firstRecordMs !== null && s.lastRecordMs !== null ? s.lastRecordMs - s.firstRecordMs : 0;
    return { ...s, elapsedMs, ratePerSec: busyMs > 0 ? (s.processed * 1000) / busyMs : 0, memberId: consumer.memberId };
  };

  // Static membership (--instance-id): a second process that joins with the same id takes the membership
  // over, and the broker answers this one's next heartbeat FENCED_INSTANCE_ID. Kafka's own clients stop
  // there. This client would rejoin, fencing the other in turn, and the two would take the partitions
  // from each other every few seconds for as long as both run. The client's heartbeat tracing channel
  // reports the error before the client handles it, so the fenced member leaves the group first (the
  // client then does not rejoin) and the run ends for good, without a checkpoint: the partitions are
  // the other process's now.
  let fenced: InstanceFencedError | null = null;
  const heartbeatErrors = channel(HEARTBEAT_ERRORS);
  const onHeartbeatError = (message: unknown): void => {
    const context = message as { client?: unknown; error?: unknown };
    if (fenced !== null || context.client !== consumer || !(context.error instanceof Error) || findErrorBy(context.error, 'fencedInstanceId', true) === null) return;
    fenced = new InstanceFencedError(options.group, options.instanceId ?? '');
    consumer.leaveGroup(true, () => {}); // refused (FENCED_INSTANCE_ID too): it is the stopping that counts
    logger.error({ event: 'fenced', group: options.group, instanceId: options.instanceId }, fenced.message);
    runner?.stopAccepting();
    stream?.close().catch(() => {});
  };
  heartbeatErrors.subscribe(onHeartbeatError);

  try {
    const partitionCounts = await prepareTopics(admin, reader, options);
    const maxBatchBytes = await outputBatchBytes(admin, options, logger);
    const topicReader = new TopicReader(reader);
    const ports = new KafkaPorts({ producer, reader: topicReader, consumer, sourceTopic: options.topic, group: options.group, topics: options.outputs, partitionCounts, logger });
    runner = new RunnerThreads({
      runner: {
        config: options.config,
        group: options.group,
        checkpointIntervalMs: options.checkpointIntervalMs,
        checkpointRecords: options.checkpointRecords,
        maxBatchRecords: options.maxBatchRecords,
        maxBatchBytes,
        maxInFlight: options.maxInFlight,
        idleShowMs: options.idleShowMs,
      },
      ports,
      local: new LocalSinks({ logger, console: options.consoleAlerts ? consoleLine : undefined }),
      logger,
    }, options.processingThreads);
    const r = runner;
    logger.info({ event: 'start', brokers: options.brokers, topic: options.topic, group: options.group, outputs: options.outputs, partitions: partitionCounts.state }, 'processor starting');

    // Generation bookkeeping: a member that lost its membership (new member id) or skipped a generation
    // cannot know who processed its partitions meanwhile, so its state is reloaded from the snapshots.
    let lastMember: string | null = null;
    let lastGeneration = -1;
    consumer.on('consumer:group:rebalance', () => {
      logger.info({ event: 'rebalance' }, 'group rebalancing: checkpointing and pausing');
      r.rebalanceStarted();
    });
    consumer.on('consumer:group:join', (payload) => {
      const partitions = (payload.assignments ?? []).filter((a) => a.topic === options.topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
      const generation = payload.generationId ?? -1;
      const fresh = lastMember !== payload.memberId || generation !== lastGeneration + 1;
      lastMember = payload.memberId;
      lastGeneration = generation;
      r.assignmentChanged(partitions, fresh).then(
        (dropped) => {
          logger.info({ event: 'assignment', generation, memberId: payload.memberId, partitions, dropped }, `assigned partitions [${partitions.join(', ')}] (generation ${generation})`);
        },
        () => {}, // the runner failed: the loop ends on it (onFailure)
      );
      hooks.onAssignment?.(partitions);
    });
    consumer.on('consumer:heartbeat:error', (payload) => {
      logger.warn({ event: 'heartbeat-error', reason: describeKafkaError(payload.error) }, 'heartbeat failed');
    });

    if (signal?.aborted) return stats();
    stream = await consumer.consume({ topics: [options.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    // Fenced while joining: there was no stream to close yet.
    if (fenced !== null) throw fenced;
    ports.attach(stream);
    const s = stream;
    // Ends the reading below (records still buffered are left to the partitions' next owner); the final
    // checkpoint runs after it.
    const onAbort = () => {
      r.stopAccepting();
      s.close().catch(() => {});
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    // Joining the group takes seconds; a Ctrl+C that came meanwhile has already fired its event.
    if (signal?.aborted) onAbort();
    r.onFailure = () => {
      s.close().catch(() => {});
    };
    ticker = setInterval(() => {
      r.tick();
      hooks.onStats?.(stats());
    }, TICK_MS);

    await consumeStream(s, r);
    signal?.removeEventListener('abort', onAbort);
    clearInterval(ticker);
    ticker = undefined;
    if (fenced !== null) throw fenced;
    r.throwIfFailed();
    // The client ends the stream only when the member leaves the group; a new run joins it again.
    if (!signal?.aborted) throw new RestartableError('the consumer stream ended unexpectedly');
    await r.close();
    const final = stats();
    logger.info({ event: 'stop', ...final, quality: undefined }, 'processor stopped');
    return final;
  } finally {
    heartbeatErrors.unsubscribe(onHeartbeatError);
    if (ticker !== undefined) clearInterval(ticker);
    // Leaving the group hands our partitions over at once instead of after the session timeout.
    await Promise.allSettled([runner?.terminate(), stream?.close(), consumer.close(true), producer.close(), reader.close(), admin.close()]);
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  }
}

// The error events of @platformatic/kafka's tracing channel for group heartbeats (its diagnostic.js names
// it plt:kafka:consumer:heartbeat; Node names a tracing channel's error events tracing:<name>:error).
const HEARTBEAT_ERRORS = 'tracing:plt:kafka:consumer:heartbeat:error';

// Hands every record of the stream to the runner thread, in order, until the stream ends (or is closed).
// Reads synchronously while records are buffered: for-await costs a promise and a microtask turn per
// record, which at full speed is more than the client's own decoding of it. While the runner has no room
// for more batches, reading waits, and so does fetching once the stream's buffer is full.
function consumeStream(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>, runner: RunnerThreads): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let waiting = false; // the runner has no room for more records yet
    const finish = (err?: unknown) => {
      stream.off('readable', pump);
      stream.off('end', finish);
      stream.off('close', finish);
      stream.off('error', finish);
      if (err === undefined) resolve();
      else reject(err as Error);
    };
    function pump(): void {
      if (waiting) return;
      for (let message = stream.read(); message !== null; message = stream.read()) {
        runner.push(message);
        if (runner.full) {
          waiting = true;
          void runner.room().then(() => {
            waiting = false;
            pump();
          });
          return;
        }
      }
      runner.caughtUp();
    }
    stream.on('readable', pump);
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
    pump();
  });
}

// Only the newest snapshot of each partition matters, and it is always at the end of its state
// partition. Compaction would keep exactly that, but the embedded broker does not compact, so the state
// topic keeps the newest 64 MiB per partition (whole 16 MiB segments go), on Kafka and the embedded broker
// alike, however old. A group idle for so long that other groups' snapshots push its own out of those
// 64 MiB restarts without state. A snapshot is one record, and a partition of a few hundred thousand
// accounts makes one of several MiB: the topic takes records up to a segment's size, not Kafka's default
// 1 MiB.
const STATE_TOPIC_CONFIGS = [
  { name: 'retention.ms', value: '-1' },
  { name: 'retention.bytes', value: String(64 << 20) },
  { name: 'segment.bytes', value: String(16 << 20) },
  { name: 'max.message.bytes', value: String(16 << 20) },
];

// The source topic is created by whoever comes first (producer or processor) with the broker's default
// partition count; missing output topics are created with that same count so that output partition P
// belongs to source partition P. Existing topics are used as they are (outputs are routed modulo).
async function prepareTopics(admin: Admin, reader: Consumer, options: ProcessorOptions): Promise<Record<keyof OutputTopics, number>> {
  // Without auto-creation the topic appears when someone creates it (an operator), so its absence is
  // retried. The client reports it as an error of its own (UserError "Unknown topic"), which the
  // failure classes took for a bug: the processor exited with "this is a bug".
  const missingSource = () => new RestartableError(missingTopicProblem(options.topic));
  let sourceMeta: Awaited<ReturnType<typeof reader.metadata>>;
  try {
    sourceMeta = await reader.metadata({ topics: [options.topic], autocreateTopics: true });
  } catch (err) {
    if (isUnknownTopicError(err)) throw missingSource();
    throw err;
  }
  const sourcePartitions = sourceMeta.topics.get(options.topic)?.partitionsCount;
  if (sourcePartitions === undefined) throw missingSource();
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(Object.values(options.outputs))].filter((t) => !existing.has(t));
  for (const topic of missing) {
    try {
      const configs = topic === options.outputs.state ? STATE_TOPIC_CONFIGS : [];
      await admin.createTopics({ topics: [topic], partitions: sourcePartitions, replicas: 1, configs });
    } catch (err) {
      // Another processor of the group may have created it a moment ago.
      if (!/already exists/i.test(describeKafkaError(err))) throw err;
    }
  }
  const meta = await reader.metadata({ topics: Object.values(options.outputs), forceUpdate: true });
  const count = (topic: string): number => {
    const n = meta.topics.get(topic)?.partitionsCount;
    // A cluster's metadata may not show a topic created a moment ago yet.
    if (n === undefined) throw new RestartableError(`topic ${topic} is missing`);
    return n;
  };
  return { alerts: count(options.outputs.alerts), notifications: count(options.outputs.notifications), cases: count(options.outputs.cases), dlq: count(options.outputs.dlq), metrics: count(options.outputs.metrics), state: count(options.outputs.state) };
}

// A record batch's header (61 bytes) and slack for the producer's framing around it.
const BATCH_OVERHEAD_BYTES = 128;
const MIN_BATCH_BYTES = 4096;

// A send's byte limit: the configured one, or less when an output topic accepts only smaller batches
// (its max.message.bytes), so that every send fits, and every dead letter too: a larger one is cut to
// this size (OutputBatcher.add). A cluster that does not let us read the topic configs leaves the
// configured limit; a refusal for size is still handled where dead letters are sent (KafkaPorts).
async function outputBatchBytes(admin: Admin, options: ProcessorOptions, logger: Logger): Promise<number> {
  const topics = [options.outputs.alerts, options.outputs.dlq, options.outputs.metrics];
  let limit = options.maxBatchBytes;
  try {
    const described = await admin.describeConfigs({
      resources: [...new Set(topics)].map((name) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: name, configurationKeys: ['max.message.bytes'] })),
    });
    for (const d of described) {
      const value = d.configs.find((c) => c.name === 'max.message.bytes')?.value;
      if (value !== null && value !== undefined && /^\d+$/.test(value)) limit = Math.min(limit, Number(value) - BATCH_OVERHEAD_BYTES);
    }
  } catch (err) {
    logger.warn({ event: 'topic-configs-unknown', reason: describeKafkaError(err) }, `cannot read the output topics' max.message.bytes; sends stay under ${options.maxBatchBytes} bytes`);
    return options.maxBatchBytes;
  }
  limit = Math.max(MIN_BATCH_BYTES, limit);
  if (limit < options.maxBatchBytes) logger.info({ event: 'batch-bytes', maxBatchBytes: limit }, `output topics accept smaller batches: sends and dead letters stay under ${limit} bytes`);
  return limit;
}
