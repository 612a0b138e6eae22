// Reads bank_metrics, bank_alerts_high, bank_cases and bank_notifications into the hub, without a consumer
// group.
//
// Why no group: every dashboard instance must see every partition, and joining the processors' group
// would take partitions away from them, while a group of its own would leave committed offsets and an
// empty group behind on every restart. So the reader assigns itself all partitions and fetches directly
// (the Fetch API needs no group), keeping positions in memory only.
//
// History rebuild: on start (and for any partition that appears later) the reader starts a fixed number
// of records before the end of each partition, so a restarted dashboard shows the last minutes at once
// instead of a blank page. Offsets rather than timestamps, because record timestamps of bank_metrics are
// whatever the processor's producer set, while an offset distance is a known number of windows.
import { Consumer } from '@platformatic/kafka';
import type { ClusterMetadata, FetchOptions } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { TOPICS } from '../bank/transaction.ts';
import type { KafkaSecurity } from '../kafka-security.ts';
import { describeKafkaError } from '../kafka-errors.ts';
import { parseAlert } from '../formats/alert.ts';
import { parseCase } from '../formats/case.ts';
import { CASES_TOPIC, NOTIFICATIONS_TOPIC } from '../processor/consumer.ts';
import { isDetectionValue, parseDetection } from '../formats/detection.ts';
import { parseWindows } from '../formats/metrics-window.ts';
import type { Hub } from './hub.ts';

// A Consumer for reading topics by offset, never joining a group: the class requires a group id but only
// uses it for group operations, which these readers never call. Short retries: the caller owns the wait.
export function readerConsumer(o: { clientId: string; brokers: string[]; security: KafkaSecurity | undefined; maxWaitMs: number; maxBytes: number }): Consumer {
  return new Consumer({
    clientId: o.clientId,
    groupId: 'buzzline-dashboard-unused',
    bootstrapBrokers: o.brokers,
    ...o.security,
    retries: 1,
    retryDelay: 250,
    connectTimeout: 5000,
    maxWaitTime: o.maxWaitMs,
    minBytes: 1,
    maxBytes: o.maxBytes,
  });
}

export interface TopicReaderOptions {
  brokers: string[];
  security?: KafkaSecurity;
  clientId?: string;
  metricsTopic?: string;
  alertsTopic?: string;
  casesTopic?: string;
  notificationsTopic?: string;
  metricsHistoryRecords?: number; // per partition of bank_metrics
  alertsHistoryRecords?: number; // per partition of bank_alerts_high
  casesHistoryRecords?: number; // per partition of bank_cases (every version of a case is a record)
  notificationsHistoryRecords?: number; // per partition of bank_notifications
  maxWaitMs?: number; // fetch long-poll
  metadataRefreshMs?: number; // how often new topics/partitions are looked for
  logger?: Logger;
}

// A bank_metrics record holds one or more closed windows of one source partition (one per second of
// event time in real time); 12,000 per partition cover the last hour, the chart's middle range, of three
// source partitions feeding one metrics partition, about 4 MB to read at start.
export const METRICS_HISTORY_RECORDS = 12_000;
const DEFAULTS = {
  metricsHistoryRecords: METRICS_HISTORY_RECORDS,
  alertsHistoryRecords: 1000,
  casesHistoryRecords: 1000,
  notificationsHistoryRecords: 200,
  maxWaitMs: 500,
  metadataRefreshMs: 5000,
};
const RETRY_MS = 1000;
const OFFSET_OUT_OF_RANGE = 1;
const PARTITION_MAX_BYTES = 1 << 20;

type Kind = 'metrics' | 'alerts' | 'cases' | 'notifications';
const KINDS: readonly Kind[] = ['metrics', 'alerts', 'cases', 'notifications'];
type FetchRequestTopic = FetchOptions<Buffer, Buffer, Buffer, Buffer>['topics'][number];
type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

interface Position {
  topic: string;
  kind: Kind;
  partition: number;
  next: bigint;
}

export class TopicReader {
  private readonly hub: Hub;
  private readonly options: typeof DEFAULTS & Record<`${Kind}Topic`, string>;
  private readonly consumer: Consumer;
  private readonly logger: Logger | undefined;
  private readonly positions = new Map<string, Position>(); // `${topic}:${partition}`
  private metadataAt = 0;
  private metadata: ClusterMetadata | null = null;
  private missing = true; // a topic was not found at the last refresh
  private closed = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(hub: Hub, options: TopicReaderOptions) {
    this.hub = hub;
    this.options = {
      metricsHistoryRecords: options.metricsHistoryRecords ?? DEFAULTS.metricsHistoryRecords,
      alertsHistoryRecords: options.alertsHistoryRecords ?? DEFAULTS.alertsHistoryRecords,
      casesHistoryRecords: options.casesHistoryRecords ?? DEFAULTS.casesHistoryRecords,
      notificationsHistoryRecords: options.notificationsHistoryRecords ?? DEFAULTS.notificationsHistoryRecords,
      maxWaitMs: options.maxWaitMs ?? DEFAULTS.maxWaitMs,
      metadataRefreshMs: options.metadataRefreshMs ?? DEFAULTS.metadataRefreshMs,
      metricsTopic: options.metricsTopic ?? TOPICS.metrics,
      alertsTopic: options.alertsTopic ?? TOPICS.alerts,
      casesTopic: options.casesTopic ?? CASES_TOPIC,
      notificationsTopic: options.notificationsTopic ?? NOTIFICATIONS_TOPIC,
    };
    this.logger = options.logger;
    this.consumer = readerConsumer({ clientId: options.clientId ?? 'buzzline-dashboard', brokers: options.brokers, security: options.security, maxWaitMs: this.options.maxWaitMs, maxBytes: 16 << 20 });
  }

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.consumer.close().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        // Until every topic exists, look for them every retry; afterwards, new partitions can wait a refresh.
        const refreshMs = this.missing ? RETRY_MS : this.options.metadataRefreshMs;
        const stale = this.metadata === null || Date.now() - this.metadataAt >= refreshMs;
        if (stale) await this.refresh();
        if (this.positions.size === 0) {
          await this.sleep(RETRY_MS);
          continue;
        }
        await this.fetchOnce();
        if (this.hub.reader.error !== null) {
          this.hub.reader.error = null;
          this.hub.touchReader();
        }
      } catch (error) {
        if (this.closed) return;
        const message = describeKafkaError(error);
        if (this.hub.reader.error !== message) this.logger?.warn({ err: message }, 'dashboard topic reader: retrying');
        this.hub.reader.error = message;
        this.hub.touchReader();
        this.metadata = null;
        await this.sleep(RETRY_MS);
      }
    }
  }

  // Looks the topics up one by one (a missing topic fails the whole request otherwise) and starts every
  // partition not yet followed near its end.
  private async refresh(): Promise<void> {
    const found: Array<{ topic: string; kind: Kind; partitions: number }> = [];
    const missing: string[] = [];
    let metadata: ClusterMetadata | null = null;
    for (const kind of KINDS) {
      const topic = this.options[`${kind}Topic`];
      try {
        metadata = await this.consumer.metadata({ topics: [topic], autocreateTopics: false, forceUpdate: true });
        const t = metadata.topics.get(topic);
        if (t !== undefined) found.push({ topic, kind, partitions: t.partitionsCount });
      } catch (error) {
        if (!/unknown topic/i.test(describeKafkaError(error))) throw error;
        missing.push(topic);
      }
    }
    if (found.length > 0) metadata = await this.consumer.metadata({ topics: found.map((f) => f.topic), autocreateTopics: false });
    this.metadata = metadata;
    this.metadataAt = Date.now();
    this.missing = missing.length > 0;
    const fresh = found.filter((f) => {
      for (let p = 0; p < f.partitions; p++) if (!this.positions.has(`${f.topic}:${p}`)) return true;
      return false;
    });
    if (fresh.length > 0) {
      const topics = fresh.map((f) => f.topic);
      const [earliest, latest] = await Promise.all([
        this.consumer.listOffsets({ topics, timestamp: -2n }),
        this.consumer.listOffsets({ topics, timestamp: -1n }),
      ]);
      for (const f of fresh) {
        const history = BigInt(this.options[`${f.kind}HistoryRecords`]);
        for (let p = 0; p < f.partitions; p++) {
          const key = `${f.topic}:${p}`;
          if (this.positions.has(key)) continue;
          const low = earliest.get(f.topic)?.[p] ?? 0n;
          const high = latest.get(f.topic)?.[p] ?? 0n;
          const next = high - history > low ? high - history : low;
          // Detection facts are merged from the first record on: a partition read from later misses some.
          if (f.kind === 'metrics' && next > low) this.hub.detectionHistoryCut();
          this.positions.set(key, { topic: f.topic, kind: f.kind, partition: p, next });
          this.logger?.debug({ topic: f.topic, partition: p, from: String(next), to: String(high) }, 'dashboard topic reader: following partition');
        }
      }
    }
    if (missing.length > 0 && this.positions.size === 0) {
      this.hub.reader.error = `waiting for topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
      this.hub.touchReader();
    }
  }

  // One long-poll fetch per leader, in parallel; the slowest leader bounds the round.
  private async fetchOnce(): Promise<void> {
    const metadata = this.metadata as ClusterMetadata;
    const byNode = new Map<number, Map<string, FetchRequestTopic>>();
    const nameById = new Map<string, string>();
    for (const pos of this.positions.values()) {
      const t = metadata.topics.get(pos.topic);
      const leader = t?.partitions[pos.partition]?.leader;
      if (t === undefined || leader === undefined || leader < 0) continue;
      nameById.set(t.id, pos.topic);
      let topics = byNode.get(leader);
      if (topics === undefined) byNode.set(leader, (topics = new Map()));
      let req = topics.get(t.id);
      if (req === undefined) topics.set(t.id, (req = { topicId: t.id, partitions: [] }));
      req.partitions.push({ partition: pos.partition, fetchOffset: pos.next, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: PARTITION_MAX_BYTES });
    }
    if (byNode.size === 0) {
      this.metadata = null;
      await this.sleep(RETRY_MS);
      return;
    }
    const responses = await Promise.all(
      [...byNode].map(([node, topics]) => this.consumer.fetch({ node, topics: [...topics.values()], maxWaitTime: this.options.maxWaitMs })),
    );
    for (const response of responses) this.apply(response, nameById);
  }

  private apply(response: FetchResponse, nameById: Map<string, string>): void {
    let changed = false;
    for (const t of response.responses) {
      const topic = nameById.get(t.topicId) ?? t.topicId;
      for (const p of t.partitions) {
        const pos = this.positions.get(`${topic}:${p.partitionIndex}`);
        if (pos === undefined) continue;
        if (p.errorCode === OFFSET_OUT_OF_RANGE) {
          // Retention removed what we were about to read (or the topic was recreated): start over near
          // the end, as after a restart.
          if (pos.kind === 'metrics') this.hub.detectionHistoryCut();
          this.positions.delete(`${topic}:${p.partitionIndex}`);
          this.metadata = null;
          continue;
        }
        if (p.errorCode !== 0) {
          this.metadata = null;
          continue;
        }
        for (const batch of p.records ?? []) {
          for (const record of batch.records) {
            const offset = batch.firstOffset + BigInt(record.offsetDelta);
            // A fetch answers whole batches, so the first one may start before the position.
            if (offset < pos.next) continue;
            pos.next = offset + 1n;
            changed = true;
            this.handle(pos.kind, record.value, Number(batch.firstTimestamp + record.timestampDelta));
          }
        }
      }
    }
    if (changed) this.hub.reader.lastRecordAtMs = Date.now();
  }

  private handle(kind: Kind, value: Buffer | null, timestampMs: number): void {
    const reader = this.hub.reader;
    if (kind === 'metrics' && isDetectionValue(value)) {
      const facts = parseDetection(value);
      if (!this.valid(facts)) return;
      reader.detectionFactsRead++;
      this.hub.addDetection(facts);
    } else if (kind === 'metrics') {
      const windows = parseWindows(value);
      if (!this.valid(windows)) return;
      reader.windowsRead += windows.length;
      for (const w of windows) this.hub.addWindow(w, timestampMs);
    } else if (kind === 'cases') {
      const c = parseCase(value);
      if (!this.valid(c)) return;
      reader.casesRead++;
      this.hub.addCase(c);
    } else {
      // Notifications are in the alert format.
      const a = parseAlert(value);
      if (!this.valid(a)) return;
      if (kind === 'alerts') {
        reader.alertsRead++;
        this.hub.addAlert(a);
      } else {
        reader.notificationsRead++;
        this.hub.addNotification(a);
      }
    }
  }

  // A record its topic's parser refused (parse gave null) counts as invalid, and is skipped.
  private valid<T>(parsed: T | null): parsed is T {
    if (parsed === null) this.hub.reader.invalidRecords++;
    return parsed !== null;
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
