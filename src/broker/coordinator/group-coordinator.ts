// The group coordinator of this single-node broker: every group lives here (FindCoordinator always names
// this broker). It owns the groups' state machines (group.ts), committed offsets and group metadata
// (offset-store.ts, which survives restarts), and answers the group APIs with Kafka's error semantics.
// Every change to that state is also written to the internal __consumer_offsets topic in Kafka's format
// (consumer-offsets-topic.ts), for tools that read committed offsets from there.
// Handlers translate wire versions; everything here is version-independent.
//
// Housekeeping, every OFFSETS_RETENTION_CHECK_MS (Kafka's offsets.retention.check.interval.ms): offsets
// expire after OFFSETS_RETENTION_MS (offsets.retention.ms, 7 days) counted from when the group became empty,
// or from the commit for groups that never had members; groups left with neither members nor offsets are
// removed.
//
// For the dashboard, listGroups()/describeGroup()/groupLag() give each group's members, their decoded
// assignments and, per partition, committed offset, high watermark and lag.

import type { Logger } from 'pino';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription } from '../../protocol/consumer-protocol.ts';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { Topic, TopicStore } from '../topic-store.ts';
import { ConsumerOffsetsTopic } from './consumer-offsets-topic.ts';
import { Group } from './group.ts';
import type { GroupState, GroupSummary, GroupTiming, JoinParams, JoinResult, MemberIdentity, SyncParams, SyncResult } from './group.ts';
import { OffsetStore } from './offset-store.ts';
import type { CommittedOffset, OffsetEntry } from './offset-store.ts';

// Kafka's offset.metadata.max.bytes.
export const OFFSET_METADATA_MAX_BYTES = 4096;
export const OFFSETS_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const OFFSETS_RETENTION_CHECK_MS = 10 * 60 * 1000;
// KIP-394's group.new.member.join.timeout (not configurable in Kafka either).
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

export interface CoordinatorConfig {
  // group.min.session.timeout.ms / group.max.session.timeout.ms
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  // group.initial.rebalance.delay.ms
  initialRebalanceDelayMs: number;
}

export interface CoordinatorOptions {
  dataDir: string;
  topics: TopicStore;
  logger: Logger;
  config: CoordinatorConfig;
}

export interface CommitPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  committedMetadata: string | null;
}

export interface TopicPartitions<P> {
  name: string;
  partitions: P[];
}

export interface FetchedOffset {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface LeaveResult {
  errorCode: number;
  members: (MemberIdentity & { errorCode: number })[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: GroupState;
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  // Decoded from the consumer protocol; empty for other protocol types or undecodable bytes.
  subscribedTopics: string[];
  assignment: { topic: string; partitions: number[] }[];
}

export type GroupDescription = GroupSummary<MemberDescription>;

export interface PartitionLag {
  topic: string;
  partition: number;
  // null: nothing committed for this partition yet.
  committedOffset: number | null;
  // null: the topic or partition no longer exists.
  highWatermark: number | null;
  // highWatermark − committedOffset, never negative; null when either is unknown.
  lag: number | null;
  // The member the partition is assigned to, if the group is Stable and it is assigned.
  memberId: string | null;
  clientId: string | null;
}

export interface GroupLag {
  groupId: string;
  state: GroupState;
  members: number;
  totalLag: number;
  partitions: PartitionLag[];
}

// Resolves with the promise's value, or with `fallback` once the signal aborts: a request waiting for a
// rebalance must not outlive its connection, while the group keeps the member (as Kafka does). A rejection
// is passed on, so the handler fails and the connection reports it; after an abort it is dropped, since
// nobody is waiting any more (and an unhandled rejection would end the process).
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal, fallback: T): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.resolve(fallback);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => resolve(fallback);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  // When each Empty group became empty, for offset expiry.
  private readonly emptySince = new Map<string, number>();
  private readonly store: OffsetStore;
  private readonly offsetsTopic: ConsumerOffsetsTopic;
  private readonly topics: TopicStore;
  private readonly logger: Logger;
  private readonly config: CoordinatorConfig;
  private readonly timing: GroupTiming;
  private readonly cleanupTimer: NodeJS.Timeout;
  // JoinGroup/SyncGroup requests waiting on each group, so that a failure inside the group fails them.
  private readonly waiting = new Map<Group, Set<(err: Error) => void>>();
  private closed = false;

  private constructor(options: CoordinatorOptions, store: OffsetStore) {
    this.store = store;
    this.topics = options.topics;
    this.logger = options.logger;
    this.offsetsTopic = new ConsumerOffsetsTopic(options.topics, store, options.logger);
    store.mirrorTo(this.offsetsTopic);
    this.config = options.config;
    this.timing = { initialRebalanceDelayMs: options.config.initialRebalanceDelayMs, newMemberJoinTimeoutMs: NEW_MEMBER_JOIN_TIMEOUT_MS };
    this.cleanupTimer = setInterval(() => {
      try {
        this.cleanup(Date.now());
      } catch (err) {
        this.logger.error({ err }, 'group housekeeping failed');
      }
    }, OFFSETS_RETENTION_CHECK_MS);
    this.cleanupTimer.unref();
  }

  static open(options: CoordinatorOptions): GroupCoordinator {
    const store = OffsetStore.open(options.dataDir, { logger: options.logger });
    const c = new GroupCoordinator(options, store);
    const now = Date.now();
    for (const groupId of store.groupIds()) {
      const snap = store.groupSnapshot(groupId);
      const group = snap === undefined ? c.newGroup(groupId) : Group.restore(snap, c.timing, c.hooks());
      c.groups.set(groupId, group);
      if (group.state === 'Empty') c.emptySince.set(groupId, now);
    }
    if (c.groups.size > 0) {
      options.logger.info({ groups: c.groups.size }, 'loaded consumer groups');
      // State from before the topic existed (an older data directory) is written to it now.
      try {
        c.offsetsTopic.ensure();
      } catch (err) {
        options.logger.error({ err }, 'cannot create the consumer offsets topic');
      }
    }
    return c;
  }

  // The internal __consumer_offsets topic, created if it does not exist yet (Metadata asked for it).
  consumerOffsetsTopic(): Topic {
    return this.offsetsTopic.ensure();
  }

  private hooks() {
    return {
      logger: this.logger,
      persist: (g: Group) => {
        if (g.state === 'Empty') this.emptySince.set(g.groupId, Date.now());
        else this.emptySince.delete(g.groupId);
        try {
          this.store.storeGroup(g.snapshot());
        } catch (err) {
          // The group carries on in memory; after a restart its members rejoin.
          this.logger.error({ err, group: g.groupId }, 'cannot persist group metadata');
        }
      },
      failed: (g: Group, task: string, err: unknown) => this.groupFailed(g, task, err),
    };
  }

  // An exception inside a group (a bug, or a fault below it) leaves its state machine in an unknown state.
  // The requests waiting on it are failed, so each of their connections closes and is logged with the
  // request's identity; the group starts over Empty with its committed offsets kept, and its members find
  // out on their next heartbeat (UNKNOWN_MEMBER_ID) and rejoin. Every other group carries on.
  private groupFailed(group: Group, task: string, err: unknown): void {
    this.logger.error({ err, group: group.groupId, task }, 'group failed: waiting requests fail, members must rejoin');
    const failure = new Error(`group ${group.groupId} failed in ${task}`, { cause: err });
    for (const fail of [...(this.waiting.get(group) ?? [])]) fail(failure);
    this.waiting.delete(group);
    try {
      group.shutdown(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } catch (shutdownErr) {
      this.logger.error({ err: shutdownErr, group: group.groupId }, 'failed group did not shut down cleanly');
    }
    if (this.groups.get(group.groupId) !== group || this.closed) return;
    const fresh = this.newGroup(group.groupId);
    this.groups.set(group.groupId, fresh);
    this.hooks().persist(fresh);
  }

  // Runs a call into the group; an exception escaping it fails the group (see groupFailed) and is rethrown
  // for the handler, whose connection then closes.
  private guarded<T>(group: Group, task: string, work: () => T): T {
    try {
      return work();
    } catch (err) {
      this.groupFailed(group, task, err);
      throw err;
    }
  }

  // A request that waits for the group to answer it (JoinGroup, SyncGroup).
  private waitOn<T>(group: Group, task: string, start: (respond: (r: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let waiters = this.waiting.get(group);
      if (waiters === undefined) this.waiting.set(group, (waiters = new Set()));
      const set = waiters;
      const settle = () => {
        set.delete(fail);
        if (set.size === 0 && this.waiting.get(group) === set) this.waiting.delete(group);
      };
      const fail = (err: Error) => {
        settle();
        reject(err);
      };
      set.add(fail);
      try {
        start((r) => {
          settle();
          resolve(r);
        });
      } catch (err) {
        // Fails this request together with every other one waiting on the group.
        this.groupFailed(group, task, err);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private newGroup(groupId: string): Group {
    return new Group(groupId, this.timing, this.hooks());
  }

  private getOrCreate(groupId: string): Group {
    let g = this.groups.get(groupId);
    if (g === undefined) {
      g = this.newGroup(groupId);
      this.groups.set(groupId, g);
      this.emptySince.set(groupId, Date.now());
    }
    return g;
  }

  // ---- membership ------------------------------------------------------------------------------------

  join(groupId: string, p: JoinParams): Promise<JoinResult> {
    if (this.closed) return Promise.resolve(joinError(p.memberId, ErrorCode.NOT_COORDINATOR));
    if (groupId === '') return Promise.resolve(joinError(p.memberId, ErrorCode.INVALID_GROUP_ID));
    if (p.sessionTimeoutMs < this.config.minSessionTimeoutMs || p.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(p.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    // Only a member without an id may create the group; a known id for a group we do not have is stale.
    const group = p.memberId === '' ? this.getOrCreate(groupId) : this.groups.get(groupId);
    if (group === undefined) return Promise.resolve(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    return this.waitOn<JoinResult>(group, 'join', (respond) => group.join(p, respond));
  }

  sync(groupId: string, p: SyncParams): Promise<SyncResult> {
    if (this.closed) return Promise.resolve(syncError(ErrorCode.NOT_COORDINATOR));
    if (groupId === '') return Promise.resolve(syncError(ErrorCode.INVALID_GROUP_ID));
    const group = this.groups.get(groupId);
    if (group === undefined) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return this.waitOn<SyncResult>(group, 'sync', (respond) => group.sync(p, respond));
  }

  heartbeat(groupId: string, memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return this.guarded(group, 'heartbeat', () => group.heartbeat(memberId, groupInstanceId, generationId));
  }

  leave(groupId: string, members: readonly MemberIdentity[]): LeaveResult {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    if (group === undefined) return { errorCode: ErrorCode.NONE, members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
    if (group.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const codes = this.guarded(group, 'leave', () => group.leave(members));
    return { errorCode: ErrorCode.NONE, members: members.map((m, i) => ({ ...m, errorCode: codes[i] ?? ErrorCode.UNKNOWN_SERVER_ERROR })) };
  }

  // ---- offsets ---------------------------------------------------------------------------------------

  commitOffsets(
    groupId: string,
    memberId: string,
    groupInstanceId: string | null,
    generationId: number,
    topics: readonly TopicPartitions<CommitPartition>[],
  ): TopicPartitions<{ partitionIndex: number; errorCode: number }>[] {
    const all = (errorCode: number) => topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) }));
    if (this.closed) return all(ErrorCode.NOT_COORDINATOR);
    let group = this.groups.get(groupId);
    if (group === undefined) {
      // Without group management (generation -1) a commit creates the group; with it, the generation is
      // from a group that no longer exists.
      if (generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = this.getOrCreate(groupId);
    }
    const managed = group;
    const error = this.guarded(managed, 'offset commit', () => managed.validateOffsetCommit(memberId, groupInstanceId, generationId));
    if (error !== null) return all(error);
    const now = Date.now();
    const entries: OffsetEntry[] = [];
    const result = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        let errorCode: number = ErrorCode.NONE;
        const metadata = p.committedMetadata ?? '';
        if (this.topics.partition(t.name, p.partitionIndex) === undefined) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (Buffer.byteLength(metadata) > OFFSET_METADATA_MAX_BYTES) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else entries.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp: now });
        return { partitionIndex: p.partitionIndex, errorCode };
      }),
    }));
    try {
      this.store.commit(groupId, entries);
    } catch (err) {
      this.logger.error({ err, group: groupId }, 'cannot store committed offsets');
      return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
    return result;
  }

  // Committed offsets of the listed partitions (-1 where there is none), or of every partition the group
  // has offsets for when topics is null.
  fetchOffsets(groupId: string, topics: readonly { name: string; partitionIndexes: number[] }[] | null): TopicPartitions<FetchedOffset>[] {
    const found = (o: CommittedOffset | undefined, partitionIndex: number): FetchedOffset => ({
      partitionIndex,
      committedOffset: o?.offset ?? -1,
      committedLeaderEpoch: o?.leaderEpoch ?? -1,
      metadata: o?.metadata ?? '',
      errorCode: ErrorCode.NONE,
    });
    if (topics === null) {
      const out: TopicPartitions<FetchedOffset>[] = [];
      for (const e of this.store.list(groupId)) {
        let t = out.at(-1);
        if (t?.name !== e.topic) out.push((t = { name: e.topic, partitions: [] }));
        t.partitions.push(found(e, e.partition));
      }
      return out;
    }
    return topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => found(this.store.get(groupId, t.name, p), p)) }));
  }

  deleteOffsets(groupId: string, topics: readonly TopicPartitions<{ partitionIndex: number }>[]): { errorCode: number; topics: TopicPartitions<{ partitionIndex: number; errorCode: number }>[] } {
    const group = this.groups.get(groupId);
    if (group === undefined || group.state === 'Dead') return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    const consumerGroup = group.protocolType === CONSUMER_PROTOCOL_TYPE;
    if (group.state !== 'Empty' && !consumerGroup) return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
    const subscribed = group.state === 'Empty' ? new Set<string>() : this.subscribedTopics(group);
    const deletable: { topic: string; partition: number }[] = [];
    const result = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (subscribed.has(t.name)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        deletable.push({ topic: t.name, partition: p.partitionIndex });
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    this.store.deleteOffsets(groupId, deletable);
    return { errorCode: ErrorCode.NONE, topics: result };
  }

  private subscribedTopics(group: Group): Set<string> {
    const topics = new Set<string>();
    if (group.protocolType !== CONSUMER_PROTOCOL_TYPE) return topics;
    for (const buf of group.memberSubscriptions()) {
      try {
        for (const t of decodeSubscription(buf).value.topics) topics.add(t);
      } catch {
        // A member whose subscription we cannot read does not pin any topic, as in Kafka.
      }
    }
    return topics;
  }

  // A deleted topic's committed offsets go with it.
  onTopicDeleted(topic: string): void {
    this.store.deleteTopic(topic);
  }

  // ---- listing and admin -----------------------------------------------------------------------------

  listGroups(): GroupListing[] {
    return [...this.groups.values()]
      .filter((g) => g.state !== 'Dead')
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }))
      .sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  summary(groupId: string): GroupSummary | null {
    return this.groups.get(groupId)?.summary() ?? null;
  }

  // DeleteGroups: only groups without members; their offsets go too.
  deleteGroup(groupId: string): number {
    const group = this.groups.get(groupId);
    if (group === undefined || group.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
    this.remove(group);
    this.logger.info({ group: groupId }, 'deleted group');
    return ErrorCode.NONE;
  }

  private remove(group: Group): void {
    this.store.deleteGroup(group.groupId);
    group.shutdown(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    this.groups.delete(group.groupId);
    this.emptySince.delete(group.groupId);
  }

  describeGroup(groupId: string): GroupDescription | null {
    const s = this.summary(groupId);
    if (s === null) return null;
    const consumer = s.protocolType === CONSUMER_PROTOCOL_TYPE;
    return {
      groupId: s.groupId,
      state: s.state,
      generationId: s.generationId,
      protocolType: s.protocolType,
      protocolName: s.protocolName,
      leaderId: s.leaderId,
      members: s.members.map((m) => {
        let subscribedTopics: string[] = [];
        let assignment: { topic: string; partitions: number[] }[] = [];
        if (consumer) {
          try {
            if (m.metadata.length > 0) subscribedTopics = decodeSubscription(m.metadata).value.topics;
            assignment = decodeAssignment(m.assignment).value.assignedPartitions.map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) }));
          } catch {
            // Shown without topics rather than failing the whole description.
          }
        }
        return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, subscribedTopics, assignment };
      }),
    };
  }

  // Committed offset against high watermark for every partition the group has committed or been assigned.
  groupLag(groupId: string): GroupLag | null {
    const d = this.describeGroup(groupId);
    if (d === null) return null;
    const owners = new Map<string, MemberDescription>();
    for (const m of d.members) for (const a of m.assignment) for (const p of a.partitions) owners.set(`${a.topic}\u0000${p}`, m);
    const keys = new Map<string, { topic: string; partition: number }>();
    for (const e of this.store.list(groupId)) keys.set(`${e.topic}\u0000${e.partition}`, { topic: e.topic, partition: e.partition });
    for (const m of d.members) for (const a of m.assignment) for (const p of a.partitions) keys.set(`${a.topic}\u0000${p}`, { topic: a.topic, partition: p });
    const partitions: PartitionLag[] = [...keys.entries()]
      .sort(([, a], [, b]) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
      .map(([key, { topic, partition }]) => {
        const committed = this.store.get(groupId, topic, partition)?.offset ?? null;
        const highWatermark = this.topics.partition(topic, partition)?.log.logEndOffset ?? null;
        const owner = owners.get(key);
        return {
          topic,
          partition,
          committedOffset: committed,
          highWatermark,
          lag: committed !== null && highWatermark !== null ? Math.max(0, highWatermark - committed) : null,
          memberId: owner?.memberId ?? null,
          clientId: owner?.clientId ?? null,
        };
      });
    return { groupId, state: d.state, members: d.members.length, totalLag: partitions.reduce((n, p) => n + (p.lag ?? 0), 0), partitions };
  }

  // ---- housekeeping ----------------------------------------------------------------------------------

  // Expires offsets of groups that have been empty (or memberless) for the retention period and removes
  // groups with nothing left. Public so that tests can run it with their own clock.
  cleanup(now: number): void {
    for (const group of [...this.groups.values()]) {
      if (group.state !== 'Empty') continue;
      const since = this.emptySince.get(group.groupId) ?? now;
      const neverManaged = group.protocolType === null;
      const expired = this.store.list(group.groupId).filter((e) => now - (neverManaged ? e.commitTimestamp : Math.max(since, e.commitTimestamp)) >= OFFSETS_RETENTION_MS);
      try {
        if (expired.length > 0) {
          this.store.deleteOffsets(group.groupId, expired);
          this.logger.info({ group: group.groupId, partitions: expired.length }, 'expired committed offsets');
        }
        if (!this.store.hasOffsets(group.groupId) && group.idle) this.remove(group);
      } catch (err) {
        this.logger.error({ err, group: group.groupId }, 'group cleanup failed');
      }
    }
  }

  flush(): void {
    this.store.flush();
  }

  // Answers every waiting JoinGroup/SyncGroup with NOT_COORDINATOR, stops every timer and closes the store.
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.cleanupTimer);
    for (const g of this.groups.values()) if (g.state !== 'Dead') g.shutdown(ErrorCode.NOT_COORDINATOR);
    this.store.close();
  }
}
