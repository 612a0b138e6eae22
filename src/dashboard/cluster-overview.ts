// One look at a cluster through the Kafka Admin API: brokers, topics with their offsets, and consumer
// groups with their lag per partition. The dashboard polls it every few seconds; `buzzline topics` and
// `buzzline groups` print one look.
//
// Lag per partition = log end offset (ListOffsets latest) - the group's committed offset (OffsetFetch).
// A partition the group owns but never committed counts its whole retained log as lag, which is what a
// new consumer starting from the earliest offset has ahead of it.
//
// Rates come from successive looks: the growth of a topic's end offsets is its produce rate and the
// growth of a group's committed offsets its processing rate, both per wall-clock second (null after a
// single look). The windows in bank_metrics cannot say that, as they count per second of event time,
// and the simulator's clock runs at its own pace.
import { Admin } from '@platformatic/kafka';
import type { GroupPartitionLag, GroupsView, GroupView, TopicsView, TopicView } from './views.ts';
import type { KafkaSecurity } from '../kafka-security.ts';

export type Offsets = Map<string, Map<number, { earliest: bigint; latest: bigint }>>;

// Rates are measured over about this span of polls.
const RATE_SPAN_MS = 10_000;

// Sums sampled over time, keyed by topic or group, turned into a per-second rate over the last span.
export class RateTracker {
  private readonly samples: Array<{ atMs: number; sums: Map<string, bigint> }> = [];
  private readonly spanMs: number;

  constructor(spanMs = RATE_SPAN_MS) {
    this.spanMs = spanMs;
  }

  record(atMs: number, sums: Map<string, bigint>): void {
    this.samples.push({ atMs, sums });
    // Keep the newest sample at or before the span's start, so a full span is always measurable.
    while (this.samples.length > 2 && (this.samples[1] as { atMs: number }).atMs <= atMs - this.spanMs) this.samples.shift();
  }

  // null until two samples hold the key; a sum that went down (topic recreated, offsets reset) reads 0.
  rate(key: string): number | null {
    const last = this.samples.at(-1);
    if (last === undefined) return null;
    const now = last.sums.get(key);
    if (now === undefined) return null;
    for (const s of this.samples) {
      const then = s.sums.get(key);
      if (then === undefined || s === last) continue;
      const seconds = (last.atMs - s.atMs) / 1000;
      if (seconds <= 0) return null;
      return now > then ? Number(now - then) / seconds : 0;
    }
    return null;
  }
}

export class ClusterOverview {
  private readonly admin: Admin;
  private readonly topicRates = new RateTracker();
  private readonly groupRates = new RateTracker();

  constructor(options: { brokers: string[]; security?: KafkaSecurity; clientId: string }) {
    this.admin = new Admin({ clientId: options.clientId, bootstrapBrokers: options.brokers, ...options.security, retries: 1, retryDelay: 250, connectTimeout: 5000 });
  }

  close(): Promise<void> {
    return this.admin.close().catch(() => undefined);
  }

  async topics(): Promise<{ view: TopicsView; offsets: Offsets }> {
    const names = (await this.admin.listTopics()).sort();
    const metadata = await this.admin.metadata({ topics: names, autocreateTopics: false });
    const offsets: Offsets = new Map();
    const requests = names.map((name) => ({ name, count: metadata.topics.get(name)?.partitionsCount ?? 0 })).filter((t) => t.count > 0);
    if (requests.length > 0) {
      const query = (timestamp: bigint) =>
        this.admin.listOffsets({
          topics: requests.map((t) => ({ name: t.name, partitions: Array.from({ length: t.count }, (_, i) => ({ partitionIndex: i, timestamp })) })),
        });
      const [earliest, latest] = await Promise.all([query(-2n), query(-1n)]);
      for (const t of earliest) {
        const m = new Map<number, { earliest: bigint; latest: bigint }>();
        for (const p of t.partitions) m.set(p.partitionIndex, { earliest: p.offset, latest: p.offset });
        offsets.set(t.name, m);
      }
      for (const t of latest) {
        for (const p of t.partitions) {
          const e = offsets.get(t.name)?.get(p.partitionIndex);
          if (e !== undefined) e.latest = p.offset;
        }
      }
    }
    const sums = new Map<string, bigint>();
    for (const [name, partitions] of offsets) sums.set(name, [...partitions.values()].reduce((n, o) => n + o.latest, 0n));
    this.topicRates.record(Date.now(), sums);
    const topics: TopicView[] = requests.map(({ name, count }) => {
      const meta = metadata.topics.get(name);
      let total = 0n;
      const partitions = Array.from({ length: count }, (_, partition) => {
        const o = offsets.get(name)?.get(partition) ?? { earliest: 0n, latest: 0n };
        total += o.latest - o.earliest;
        return {
          partition,
          leader: meta?.partitions[partition]?.leader ?? -1,
          earliest: String(o.earliest),
          latest: String(o.latest),
          messages: String(o.latest - o.earliest),
        };
      });
      return { name, partitions, messages: String(total), ratePerSec: this.topicRates.rate(name) };
    });
    const view: TopicsView = {
      updatedAtMs: Date.now(),
      clusterId: metadata.id,
      controllerId: metadata.controllerId,
      brokers: [...metadata.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })).sort((a, b) => a.nodeId - b.nodeId),
      topics,
      error: null,
    };
    return { view, offsets };
  }

  async groups(offsets: Offsets): Promise<GroupsView> {
    const listed = await this.admin.listGroups();
    const ids = [...listed.values()].filter((g) => g.protocolType === 'consumer' || g.protocolType === '').map((g) => g.id).sort();
    if (ids.length === 0) return { updatedAtMs: Date.now(), groups: [], error: null };
    const [described, committed] = await Promise.all([this.admin.describeGroups({ groups: ids }), this.admin.listConsumerGroupOffsets({ groups: ids })]);
    const committedSums = new Map<string, bigint>();
    for (const g of committed) {
      let sum = 0n;
      for (const t of g.topics) for (const p of t.partitions) if (p.committedOffset > 0n) sum += p.committedOffset;
      committedSums.set(g.groupId, sum);
    }
    this.groupRates.record(Date.now(), committedSums);
    const groups: GroupView[] = ids.map((groupId) => {
      const g = described.get(groupId);
      const owners = new Map<string, string>();
      for (const member of g?.members.values() ?? []) {
        for (const a of member.assignments?.values() ?? []) {
          for (const p of a.partitions) owners.set(`${a.topic}:${p}`, member.clientId);
        }
      }
      const commits = new Map<string, bigint>();
      for (const t of committed.find((c) => c.groupId === groupId)?.topics ?? []) {
        for (const p of t.partitions) if (p.committedOffset >= 0n) commits.set(`${t.name}:${p.partitionIndex}`, p.committedOffset);
      }
      const keys = new Set([...owners.keys(), ...commits.keys()]);
      let totalLag = 0n;
      const partitions: GroupPartitionLag[] = [];
      for (const key of keys) {
        const i = key.lastIndexOf(':');
        const topic = key.slice(0, i);
        const partition = Number(key.slice(i + 1));
        const o = offsets.get(topic)?.get(partition);
        if (o === undefined) continue;
        const c = commits.get(key);
        const lag = c === undefined ? o.latest - o.earliest : o.latest > c ? o.latest - c : 0n;
        totalLag += lag;
        partitions.push({ topic, partition, committed: c === undefined ? null : String(c), latest: String(o.latest), lag: String(lag), owner: owners.get(key) ?? null });
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      return {
        groupId,
        state: g?.state ?? 'UNKNOWN',
        protocol: g?.protocol ?? '',
        members: g?.members.size ?? 0,
        totalLag: String(totalLag),
        ratePerSec: this.groupRates.rate(groupId),
        partitions,
      };
    });
    return { updatedAtMs: Date.now(), groups, error: null };
  }
}
