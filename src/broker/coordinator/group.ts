// One classic-protocol group: the state machine of Kafka's GroupCoordinator and GroupMetadata, kept close to
// the original so that clients written against Kafka see the same answers in the same situations.
//
//   Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance
//     ▲                  ▲    │ (no members left)                               │ leader's SyncGroup
//     └──────────────────┼────┘                                                 ▼
//                        └────────── member joins, leaves, fails, changes ── Stable
//   Dead: deleted (or the broker is closing); every waiting request is answered and timers cleared.
//
// Timers, all unref'd so they never keep the process alive:
// - join: ends PreparingRebalance after the largest member rebalance timeout, or earlier once every
//   member has rejoined. A group leaving Empty waits group.initial.rebalance.delay.ms first (extended
//   while new members keep arriving during generation 0), as Kafka's InitialDelayedJoin does.
// - sync (Kafka's DelayedSync): members that have not sent SyncGroup within the rebalance timeout of
//   the join response are removed and the group rebalances, so a leader that dies before assigning does
//   not wedge the group.
// - session, one per member: reset by every heartbeat, JoinGroup, SyncGroup and OffsetCommit. A member
//   waiting in JoinGroup/SyncGroup is kept alive; a new member waiting in its first JoinGroup is given up
//   after newMemberJoinTimeoutMs (KIP-394). Pending member ids handed out with MEMBER_ID_REQUIRED expire
//   after the session timeout if the client never comes back with them.
//
// Member ids are "<client id>-<uuid>" (static members: "<group instance id>-<uuid>"), as Kafka forms them.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/error-codes.ts';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

// Kafka's GroupState.validPreviousStates.
const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

const EMPTY = Buffer.alloc(0);

export interface GroupTiming {
  initialRebalanceDelayMs: number;
  newMemberJoinTimeoutMs: number;
}

export interface ProtocolMetadata {
  name: string;
  metadata: Buffer;
}

export interface JoinParams extends MemberClient {
  protocolType: string;
  protocols: ProtocolMetadata[];
  // JoinGroup v4+: a new dynamic member must first fetch its id (MEMBER_ID_REQUIRED) and join again.
  requireKnownMemberId: boolean;
  // JoinGroup v9+: a static leader rejoining a Stable group is told to skip the assignment.
  supportSkippingAssignment: boolean;
}

export interface JoinMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  members: JoinMember[];
}

export interface SyncParams {
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  // SyncGroup v5+; null when the client did not send them.
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

// What a member told us about itself when it joined; kept in summaries and persisted across restarts.
export interface MemberClient extends MemberIdentity {
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
}

export interface MemberSummary extends MemberClient {
  // The metadata for the selected protocol, and the assignment; empty unless the group is Stable.
  metadata: Buffer;
  assignment: Buffer;
}

// Members are raw in the coordinator's summary and decoded in the dashboard-facing description.
export interface GroupSummary<M = MemberSummary> {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string;
  protocolName: string;
  leaderId: string | null;
  members: M[];
}

// What the coordinator persists for a group and gives back to restore() after a restart. Members are
// stored with the metadata of the selected protocol only, as Kafka's group metadata records do.
export interface GroupSnapshot {
  groupId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  members: Array<MemberClient & { subscription: Buffer; assignment: Buffer }>;
}

export interface GroupHooks {
  // Called when the group reaches a state Kafka writes to __consumer_offsets: Stable with its assignment,
  // Empty after the last member left, or a static member replaced without a rebalance.
  persist(group: Group): void;
  logger: Logger;
  // A timer's work (join or sync deadline, session expiry) threw. Nothing would catch it there and it
  // would end the process, so the group reports it instead; the coordinator fails the requests waiting
  // on the group and starts it over. Without this hook the failure is only logged.
  failed?(group: Group, task: string, err: unknown): void;
}

type JoinCallback = (r: JoinResult) => void;
type MemberInit = Pick<JoinParams, 'groupInstanceId' | 'clientId' | 'clientHost' | 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'protocolType' | 'protocols'>;
type SyncCallback = (r: SyncResult) => void;

class Member {
  memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  readonly protocolType: string;
  protocols: ProtocolMetadata[];
  assignment: Buffer = EMPTY;
  awaitingJoin: JoinCallback | null = null;
  awaitingSync: SyncCallback | null = null;
  // Joined in the current rebalance and not yet part of a generation.
  isNew = false;
  sessionTimer: NodeJS.Timeout | null = null;
  lastHeartbeatMs = 0;

  constructor(p: MemberInit, memberId: string) {
    this.memberId = memberId;
    this.groupInstanceId = p.groupInstanceId;
    this.clientId = p.clientId;
    this.clientHost = p.clientHost;
    this.sessionTimeoutMs = p.sessionTimeoutMs;
    this.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
    this.protocolType = p.protocolType;
    this.protocols = p.protocols;
  }

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY;
  }

  // What the member told us about itself, for snapshots and summaries.
  client(): MemberClient {
    return {
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      clientId: this.clientId,
      clientHost: this.clientHost,
      sessionTimeoutMs: this.sessionTimeoutMs,
      rebalanceTimeoutMs: this.rebalanceTimeoutMs,
    };
  }

  // Same protocols, same order, same metadata: a rejoin that changes nothing.
  matches(protocols: readonly ProtocolMetadata[]): boolean {
    return protocols.length === this.protocols.length
      && protocols.every((p, i) => p.name === this.protocols[i]?.name && p.metadata.equals(this.protocols[i].metadata));
  }

  // The member's most preferred protocol among those every member supports.
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((p) => candidates.has(p.name));
    if (choice === undefined) throw new Error(`member ${this.memberId} supports none of ${[...candidates].join(', ')}`);
    return choice.name;
  }
}

function joinError(memberId: string, errorCode: number): JoinResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

export class Group {
  readonly groupId: string;
  private currentState: GroupState = 'Empty';
  private generation = 0;
  private type: string | null = null;
  private protocol: string | null = null;
  private leader: string | null = null;
  private readonly members = new Map<string, Member>();
  // Member ids handed out with MEMBER_ID_REQUIRED, with their expiry timers.
  private readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  // groupInstanceId → memberId of the static members.
  private readonly staticMembers = new Map<string, string>();
  // How many members support each protocol; a protocol is a candidate when every member does.
  private readonly supportedProtocols = new Map<string, number>();
  private numMembersAwaitingJoin = 0;
  private readonly pendingSyncMembers = new Set<string>();
  private joinTimer: NodeJS.Timeout | null = null;
  // The join timer is InitialDelayedJoin's: it never completes early, only on expiry.
  private joinIsInitial = false;
  private newMemberAdded = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private readonly timing: GroupTiming;
  private readonly hooks: GroupHooks;

  constructor(groupId: string, timing: GroupTiming, hooks: GroupHooks) {
    this.groupId = groupId;
    this.timing = timing;
    this.hooks = hooks;
  }

  // A group loaded from the store: Stable with its members (whose sessions start now), or Empty.
  static restore(s: GroupSnapshot, timing: GroupTiming, hooks: GroupHooks): Group {
    const g = new Group(s.groupId, timing, hooks);
    g.generation = s.generationId;
    g.type = s.protocolType;
    if (s.members.length === 0 || s.protocolName === null || s.protocolType === null) return g;
    g.protocol = s.protocolName;
    for (const m of s.members) {
      const member = new Member({
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        protocolType: s.protocolType,
        protocols: [{ name: s.protocolName, metadata: m.subscription }],
      }, m.memberId);
      member.assignment = m.assignment;
      g.add(member, null);
    }
    g.leader = s.leaderId !== null && g.members.has(s.leaderId) ? s.leaderId : g.firstMemberId();
    g.currentState = 'Stable';
    for (const m of g.members.values()) g.scheduleSession(m, m.sessionTimeoutMs);
    return g;
  }

  get state(): GroupState {
    return this.currentState;
  }

  get generationId(): number {
    return this.generation;
  }

  get protocolType(): string | null {
    return this.type;
  }

  get protocolName(): string | null {
    return this.protocol;
  }

  get leaderId(): string | null {
    return this.leader;
  }

  get size(): number {
    return this.members.size;
  }

  // Empty with nobody about to join: nothing but (maybe) offsets is left.
  get idle(): boolean {
    return this.currentState === 'Empty' && this.members.size === 0 && this.pendingMembers.size === 0;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  memberIds(): string[] {
    return [...this.members.keys()];
  }

  // Subscribed topics per member, from the selected protocol's metadata; the coordinator decodes them.
  memberSubscriptions(): Buffer[] {
    if (this.protocol === null) return [];
    const protocol = this.protocol;
    return [...this.members.values()].map((m) => m.metadataFor(protocol));
  }

  snapshot(): GroupSnapshot {
    const protocol = this.protocol;
    return {
      groupId: this.groupId,
      generationId: this.generation,
      protocolType: this.type,
      protocolName: protocol,
      leaderId: this.leader,
      members: protocol === null ? [] : [...this.members.values()].map((m) => ({
        ...m.client(),
        subscription: m.metadataFor(protocol),
        assignment: m.assignment,
      })),
    };
  }

  // DescribeGroups: metadata and assignments only while Stable, as Kafka reports them.
  summary(): GroupSummary {
    const stable = this.currentState === 'Stable' && this.protocol !== null;
    const protocol = this.protocol ?? '';
    return {
      groupId: this.groupId,
      state: this.currentState,
      generationId: this.generation,
      protocolType: this.type ?? '',
      protocolName: stable ? protocol : '',
      leaderId: this.leader,
      members: [...this.members.values()].map((m) => ({
        ...m.client(),
        metadata: stable ? m.metadataFor(protocol) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  // ---- JoinGroup -------------------------------------------------------------------------------------

  join(p: JoinParams, respond: JoinCallback): void {
    if (this.currentState === 'Dead') {
      // Deleted while the request was on its way: the client rediscovers the coordinator and retries.
      respond(joinError(p.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!this.supportsProtocols(p.protocolType, p.protocols)) {
      this.hooks.logger.info({ group: this.groupId, memberId: p.memberId, clientId: p.clientId, protocolType: p.protocolType, protocols: p.protocols.map((x) => x.name), groupProtocols: this.candidateProtocols() }, 'member rejected: no protocol in common with the group');
      respond(joinError(p.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (p.memberId === '') this.joinNewMember(p, respond);
    else this.joinCurrentMember(p, respond);
    if (this.currentState === 'PreparingRebalance') this.tryCompleteJoin();
  }

  private joinNewMember(p: JoinParams, respond: JoinCallback): void {
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${randomUUID()}`;
    if (p.groupInstanceId !== null) {
      const oldMemberId = this.staticMembers.get(p.groupInstanceId);
      if (oldMemberId !== undefined) this.replaceStaticMemberAndRebalance(oldMemberId, newMemberId, p, respond);
      else this.addMemberAndRebalance(p, newMemberId, respond);
    } else if (p.requireKnownMemberId) {
      // KIP-394: hand out the id first, so a client that times out and retries does not leave a trail of
      // phantom members behind, each holding up the rebalance.
      this.addPendingMember(newMemberId, p.sessionTimeoutMs);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(p, newMemberId, respond);
    }
  }

  private joinCurrentMember(p: JoinParams, respond: JoinCallback): void {
    if (this.pendingMembers.has(p.memberId)) {
      this.addMemberAndRebalance(p, p.memberId, respond);
      return;
    }
    if (this.isStaticMemberFenced(p.memberId, p.groupInstanceId)) {
      respond(joinError(p.memberId, ErrorCode.FENCED_INSTANCE_ID));
      return;
    }
    const member = this.members.get(p.memberId);
    if (member === undefined || (p.groupInstanceId !== null && !this.staticMembers.has(p.groupInstanceId))) {
      // An id we do not know (expired, or from before a restart): the client resets it and joins anew.
      respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    }
    switch (this.currentState) {
      case 'PreparingRebalance':
        this.updateMemberAndRebalance(member, p, respond);
        return;
      case 'CompletingRebalance':
        if (member.matches(p.protocols)) {
          // Probably a retry of a JoinGroup whose response was lost: answer with the current generation.
          respond(this.joinResultFor(member, this.isLeader(member.memberId)));
        } else {
          this.updateMemberAndRebalance(member, p, respond);
        }
        return;
      case 'Stable':
        // The leader rejoining forces a rebalance: that is how it reacts to metadata changes (new
        // partitions, new topics matching a pattern) that do not change any member's subscription.
        if (this.isLeader(member.memberId) || !member.matches(p.protocols)) {
          this.updateMemberAndRebalance(member, p, respond);
        } else {
          this.touch(member);
          respond(this.joinResultFor(member, false));
        }
        return;
      case 'Empty':
      case 'Dead':
        respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
    }
  }

  private joinResultFor(member: Member, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId: member.memberId,
      generationId: this.generation,
      protocolType: this.type,
      protocolName: this.protocol,
      leader: this.leader ?? '',
      skipAssignment: false,
      members: withMembers ? this.currentMemberMetadata() : [],
    };
  }

  private currentMemberMetadata(): JoinMember[] {
    const protocol = this.protocol ?? '';
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) }));
  }

  private addPendingMember(memberId: string, sessionTimeoutMs: number): void {
    const timer = this.schedule('pending member expiry', sessionTimeoutMs, () => {
      if (!this.pendingMembers.has(memberId)) return;
      this.hooks.logger.info({ group: this.groupId, memberId }, 'pending member expired before rejoining');
      this.pendingMembers.delete(memberId);
      if (this.currentState === 'PreparingRebalance') this.tryCompleteJoin();
    });
    this.pendingMembers.set(memberId, timer);
  }

  private removePending(memberId: string): boolean {
    const timer = this.pendingMembers.get(memberId);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.pendingMembers.delete(memberId);
    return true;
  }

  private addMemberAndRebalance(p: JoinParams, memberId: string, respond: JoinCallback): void {
    const member = new Member(p, memberId);
    member.isNew = true;
    if (this.currentState === 'PreparingRebalance' && this.generation === 0) this.newMemberAdded = true;
    this.add(member, respond);
    // A new member has no id to heartbeat with and its socket is busy with this JoinGroup, so the only
    // way to notice it is gone is this longer timeout; a live client retries its JoinGroup.
    this.scheduleSession(member, this.timing.newMemberJoinTimeoutMs);
    this.hooks.logger.info({ group: this.groupId, memberId, clientId: p.clientId, groupInstanceId: p.groupInstanceId }, 'member joined');
    this.maybePrepareRebalance('new member');
  }

  private add(member: Member, respond: JoinCallback | null): void {
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.members.size === 0) this.type = member.protocolType;
    this.leader ??= member.memberId;
    this.members.set(member.memberId, member);
    for (const p of member.protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
    member.awaitingJoin = respond;
    if (respond !== null) this.numMembersAwaitingJoin++;
    this.removePending(member.memberId);
  }

  private updateMemberAndRebalance(member: Member, p: JoinParams, respond: JoinCallback): void {
    this.updateMember(member, p, respond);
    this.maybePrepareRebalance(`member ${member.memberId} rejoined`);
  }

  private updateMember(member: Member, p: JoinParams, respond: JoinCallback | null): void {
    for (const old of member.protocols) this.supportedProtocols.set(old.name, (this.supportedProtocols.get(old.name) ?? 1) - 1);
    for (const q of p.protocols) this.supportedProtocols.set(q.name, (this.supportedProtocols.get(q.name) ?? 0) + 1);
    member.protocols = p.protocols;
    member.rebalanceTimeoutMs = p.rebalanceTimeoutMs;
    member.sessionTimeoutMs = p.sessionTimeoutMs;
    member.clientId = p.clientId;
    member.clientHost = p.clientHost;
    // A second JoinGroup while the first still waits (a client retry over a new connection): the old
    // request is answered so that its connection is not left blocked; the client has given up on it.
    if (member.awaitingJoin !== null && respond !== null) member.awaitingJoin(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    if (respond !== null && member.awaitingJoin === null) this.numMembersAwaitingJoin++;
    else if (respond === null && member.awaitingJoin !== null) this.numMembersAwaitingJoin--;
    member.awaitingJoin = respond;
  }

  // KIP-345: a static member that restarts comes back with its instance id and no member id. It takes
  // over the old member's place (the old id is fenced) and, if nothing about its subscription changed,
  // the group does not rebalance at all.
  private replaceStaticMemberAndRebalance(oldMemberId: string, newMemberId: string, p: JoinParams, respond: JoinCallback): void {
    const member = this.members.get(oldMemberId);
    if (member === undefined) throw new Error(`static member ${oldMemberId} of ${this.groupId} is missing`);
    const currentLeader = this.leader;
    if (member.awaitingJoin !== null) {
      member.awaitingJoin(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
      member.awaitingJoin = null;
      this.numMembersAwaitingJoin--;
    }
    if (member.awaitingSync !== null) {
      member.awaitingSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
      member.awaitingSync = null;
    }
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.leader === oldMemberId) this.leader = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.staticMembers.set(p.groupInstanceId as string, newMemberId);
    this.touch(member);
    this.updateMember(member, p, respond);
    this.hooks.logger.info({ group: this.groupId, oldMemberId, memberId: newMemberId, groupInstanceId: p.groupInstanceId }, 'static member replaced');
    switch (this.currentState) {
      case 'Stable': {
        if (this.protocol === null || this.selectProtocol() !== this.protocol) {
          this.maybePrepareRebalance(`static member ${newMemberId} changed its protocols`);
          return;
        }
        this.hooks.persist(this);
        const skip = p.supportSkippingAssignment && this.isLeader(newMemberId);
        this.numMembersAwaitingJoin--;
        member.awaitingJoin = null;
        respond({
          ...this.joinResultFor(member, skip),
          // An old leader told it is the leader would compute an assignment that a Stable group never hands
          // out; keeping the old leader id makes it skip that, unless it can be told so explicitly (v9).
          leader: (skip ? this.leader : currentLeader) ?? '',
          skipAssignment: skip,
        });
        return;
      }
      case 'CompletingRebalance':
        // The leader may already be assigning to the old id; only a new rebalance gets this id an assignment.
        this.prepareRebalance(`static member ${newMemberId} rejoined during CompletingRebalance`);
        return;
      case 'PreparingRebalance':
      case 'Empty':
      case 'Dead':
        return;
    }
  }

  private isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  private isLeader(memberId: string): boolean {
    return this.leader === memberId;
  }

  private supportsProtocols(protocolType: string, protocols: readonly ProtocolMetadata[]): boolean {
    if (this.currentState === 'Empty') return protocolType !== '' && protocols.length > 0;
    return this.type === protocolType && protocols.some((p) => this.supportedProtocols.get(p.name) === this.members.size);
  }

  private candidateProtocols(): string[] {
    return [...this.supportedProtocols].filter(([, n]) => n === this.members.size && n > 0).map(([name]) => name);
  }

  // Every member votes for its most preferred candidate; the most votes wins, ties going to the protocol
  // that got its first vote earliest (Kafka leaves ties to hash order; this is deterministic).
  private selectProtocol(): string {
    const candidates = new Set(this.candidateProtocols());
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === null) throw new Error(`cannot select a protocol for group ${this.groupId} without members`);
    return best;
  }

  // ---- rebalancing -----------------------------------------------------------------------------------

  private get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  private transitionTo(state: GroupState): void {
    if (!VALID_PREVIOUS[state].includes(this.currentState)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.currentState} → ${state}`);
    }
    this.currentState = state;
  }

  private maybePrepareRebalance(reason: string): void {
    if (this.currentState === 'Stable' || this.currentState === 'CompletingRebalance' || this.currentState === 'Empty') this.prepareRebalance(reason);
  }

  private prepareRebalance(reason: string): void {
    if (this.currentState === 'CompletingRebalance') this.resetAndPropagateAssignmentError(ErrorCode.REBALANCE_IN_PROGRESS);
    this.clearSyncTimer();
    const wasEmpty = this.currentState === 'Empty';
    this.transitionTo('PreparingRebalance');
    this.hooks.logger.info({ group: this.groupId, generation: this.generation, reason }, 'preparing to rebalance');
    this.clearJoinTimer();
    if (wasEmpty) {
      const delay = this.timing.initialRebalanceDelayMs;
      this.startInitialJoinTimer(delay, Math.max(this.rebalanceTimeoutMs - delay, 0));
    } else {
      this.startJoinTimer(this.rebalanceTimeoutMs);
      // Kafka's tryCompleteElseWatch: a group whose members have all rejoined (or that has none left)
      // completes at once.
      this.tryCompleteJoin();
    }
  }

  private startJoinTimer(ms: number): void {
    this.joinIsInitial = false;
    this.joinTimer = this.schedule('join deadline', ms, () => {
      this.joinTimer = null;
      this.completeJoin();
    });
  }

  private startInitialJoinTimer(delayMs: number, remainingMs: number): void {
    this.joinIsInitial = true;
    this.joinTimer = this.schedule('initial rebalance delay', delayMs, () => {
      this.joinTimer = null;
      if (this.newMemberAdded && remainingMs > 0) {
        this.newMemberAdded = false;
        const delay = Math.min(this.timing.initialRebalanceDelayMs, remainingMs);
        this.startInitialJoinTimer(delay, Math.max(remainingMs - delay, 0));
      } else {
        this.completeJoin();
      }
    });
  }

  private clearJoinTimer(): void {
    if (this.joinTimer !== null) clearTimeout(this.joinTimer);
    this.joinTimer = null;
  }

  private hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingMembers.size === 0;
  }

  private tryCompleteJoin(): void {
    if (this.currentState === 'PreparingRebalance' && !this.joinIsInitial && this.hasAllMembersJoined()) this.completeJoin();
  }

  // Kafka's onCompleteJoin: drop the dynamic members that did not rejoin, start the next generation and
  // answer every waiting JoinGroup (the leader gets the member list to assign from).
  private completeJoin(): void {
    if (this.currentState !== 'PreparingRebalance') return;
    this.clearJoinTimer();
    for (const m of [...this.members.values()]) {
      if (m.awaitingJoin === null && m.groupInstanceId === null) {
        this.hooks.logger.info({ group: this.groupId, memberId: m.memberId }, 'removing member that did not rejoin in time');
        this.remove(m.memberId);
      }
    }
    if (!this.maybeElectNewJoinedLeader() && this.members.size > 0) {
      // Only static members that have not rejoined remain; wait for them (or for their sessions to end).
      this.startJoinTimer(this.rebalanceTimeoutMs);
      return;
    }
    this.newMemberAdded = false;
    this.generation++;
    if (this.members.size === 0) {
      this.protocol = null;
      this.transitionTo('Empty');
      this.hooks.logger.info({ group: this.groupId, generation: this.generation }, 'group is empty');
      this.hooks.persist(this);
      return;
    }
    this.protocol = this.selectProtocol();
    this.transitionTo('CompletingRebalance');
    this.hooks.logger.info({ group: this.groupId, generation: this.generation, protocol: this.protocol, members: this.members.size }, 'rebalance: members joined');
    for (const m of this.members.values()) {
      const respond = m.awaitingJoin;
      if (respond !== null) {
        m.awaitingJoin = null;
        this.numMembersAwaitingJoin--;
        respond(this.joinResultFor(m, this.isLeader(m.memberId)));
      }
      this.touch(m);
      m.isNew = false;
    }
    this.schedulePendingSync();
  }

  private maybeElectNewJoinedLeader(): boolean {
    if (this.leader === null) return false;
    const current = this.members.get(this.leader);
    if (current !== undefined && current.awaitingJoin !== null) return true;
    for (const m of this.members.values()) {
      if (m.awaitingJoin !== null) {
        this.leader = m.memberId;
        return true;
      }
    }
    return false;
  }

  private schedulePendingSync(): void {
    this.clearSyncTimer();
    this.pendingSyncMembers.clear();
    for (const id of this.members.keys()) this.pendingSyncMembers.add(id);
    const generation = this.generation;
    this.syncTimer = this.schedule('sync deadline', this.rebalanceTimeoutMs, () => {
      this.syncTimer = null;
      this.expirePendingSync(generation);
    });
  }

  private clearSyncTimer(): void {
    if (this.syncTimer !== null) clearTimeout(this.syncTimer);
    this.syncTimer = null;
  }

  private expirePendingSync(generation: number): void {
    if (generation !== this.generation) return;
    if (this.currentState !== 'CompletingRebalance' && this.currentState !== 'Stable') return;
    if (this.pendingSyncMembers.size === 0) return;
    const missing = [...this.pendingSyncMembers];
    this.hooks.logger.info({ group: this.groupId, generation, members: missing }, 'removing members that did not send SyncGroup in time');
    for (const id of missing) this.remove(id);
    this.prepareRebalance('members did not sync in time');
  }

  private resetAndPropagateAssignmentError(errorCode: number): void {
    for (const m of this.members.values()) {
      m.assignment = EMPTY;
      if (m.awaitingSync !== null) {
        const respond = m.awaitingSync;
        m.awaitingSync = null;
        respond(syncError(errorCode));
        // A full session to rejoin, counted from the answer rather than from the start of the wait.
        this.touch(m);
      }
    }
  }

  // Removes a member (left, expired, or not rejoined): its waiting requests are answered, and the leader
  // role passes to the next member.
  private remove(memberId: string): void {
    const m = this.members.get(memberId);
    if (m !== undefined) {
      this.members.delete(memberId);
      for (const p of m.protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 1) - 1);
      for (const [name, n] of this.supportedProtocols) if (n <= 0) this.supportedProtocols.delete(name);
      if (m.awaitingJoin !== null) {
        this.numMembersAwaitingJoin--;
        const respond = m.awaitingJoin;
        m.awaitingJoin = null;
        respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      }
      if (m.awaitingSync !== null) {
        const respond = m.awaitingSync;
        m.awaitingSync = null;
        respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      }
      if (m.groupInstanceId !== null && this.staticMembers.get(m.groupInstanceId) === memberId) this.staticMembers.delete(m.groupInstanceId);
      if (m.sessionTimer !== null) clearTimeout(m.sessionTimer);
      m.sessionTimer = null;
    }
    if (this.leader === memberId) this.leader = this.firstMemberId();
    this.removePending(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  private firstMemberId(): string | null {
    const first = this.members.keys().next();
    return first.done === true ? null : first.value;
  }

  private removeMemberAndUpdateGroup(memberId: string, reason: string): void {
    this.remove(memberId);
    this.hooks.logger.info({ group: this.groupId, memberId, reason }, 'member removed');
    switch (this.currentState) {
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(reason);
        return;
      case 'PreparingRebalance':
        this.tryCompleteJoin();
        return;
      case 'Empty':
      case 'Dead':
        return;
    }
  }

  // ---- sessions --------------------------------------------------------------------------------------

  // A sign of life from the member: its session starts over.
  private touch(m: Member): void {
    m.lastHeartbeatMs = Date.now();
    this.scheduleSession(m, m.sessionTimeoutMs);
  }

  private scheduleSession(m: Member, timeoutMs: number): void {
    if (m.sessionTimer !== null) clearTimeout(m.sessionTimer);
    m.sessionTimer = this.schedule('session expiry', timeoutMs, () => {
      m.sessionTimer = null;
      this.expireSession(m);
    });
  }

  // Every timer of the group runs through here: an exception in its work goes to hooks.failed rather than
  // escaping into the event loop. Timers never keep the process alive.
  private schedule(task: string, ms: number, work: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      try {
        work();
      } catch (err) {
        if (this.hooks.failed) this.hooks.failed(this, task, err);
        else this.hooks.logger.error({ err, group: this.groupId, task }, 'group task failed');
      }
    }, ms);
    timer.unref();
    return timer;
  }

  private expireSession(m: Member): void {
    if (this.currentState === 'Dead' || this.members.get(m.memberId) !== m) return;
    if (!m.isNew && (m.awaitingJoin !== null || m.awaitingSync !== null)) {
      // Waiting for the rebalance counts as alive; the session restarts when the wait ends.
      this.scheduleSession(m, m.sessionTimeoutMs);
      return;
    }
    this.removeMemberAndUpdateGroup(m.memberId, m.isNew ? 'new member did not complete its join in time' : 'session timeout expired');
  }

  // ---- SyncGroup -------------------------------------------------------------------------------------

  sync(p: SyncParams, respond: SyncCallback): void {
    const error = this.validateMember(p.memberId, p.groupInstanceId, p.generationId);
    if (error !== null) {
      respond(syncError(error));
      return;
    }
    if ((p.protocolType !== null && p.protocolType !== this.type) || (p.protocolName !== null && p.protocolName !== this.protocol)) {
      respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const member = this.members.get(p.memberId) as Member;
    switch (this.currentState) {
      case 'Empty':
      case 'Dead':
        respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
        return;
      case 'PreparingRebalance':
        respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        return;
      case 'CompletingRebalance': {
        if (member.awaitingSync !== null) member.awaitingSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = respond;
        this.pendingSyncMembers.delete(member.memberId);
        if (this.isLeader(member.memberId)) this.completeSync(p.assignments);
        else this.touch(member);
        return;
      }
      case 'Stable':
        this.pendingSyncMembers.delete(member.memberId);
        this.touch(member);
        respond({ errorCode: ErrorCode.NONE, protocolType: this.type, protocolName: this.protocol, assignment: member.assignment });
        return;
    }
  }

  // The leader's assignment: members it left out get empty bytes, assignments for ids that are not members
  // are ignored. Every waiting follower is answered and the group is Stable.
  private completeSync(assignments: readonly { memberId: string; assignment: Buffer }[]): void {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    const missing: string[] = [];
    for (const m of this.members.values()) {
      const a = byMember.get(m.memberId);
      if (a === undefined) missing.push(m.memberId);
      m.assignment = a ?? EMPTY;
    }
    if (missing.length > 0) this.hooks.logger.warn({ group: this.groupId, generation: this.generation, members: missing }, 'leader sent no assignment for some members');
    this.transitionTo('Stable');
    this.hooks.persist(this);
    this.hooks.logger.info({ group: this.groupId, generation: this.generation, members: this.members.size }, 'group is stable');
    for (const m of this.members.values()) {
      if (m.awaitingSync !== null) {
        const respond = m.awaitingSync;
        m.awaitingSync = null;
        respond({ errorCode: ErrorCode.NONE, protocolType: this.type, protocolName: this.protocol, assignment: m.assignment });
      }
      this.touch(m);
    }
  }

  // ---- Heartbeat, LeaveGroup, offset commits ---------------------------------------------------------

  // The checks shared by SyncGroup, Heartbeat and member offset commits, in Kafka's order.
  private validateMember(memberId: string, groupInstanceId: string | null, generationId: number): number | null {
    if (this.currentState === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (this.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!this.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generation) return ErrorCode.ILLEGAL_GENERATION;
    return null;
  }

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    const error = this.validateMember(memberId, groupInstanceId, generationId);
    if (error !== null) return error;
    const member = this.members.get(memberId) as Member;
    switch (this.currentState) {
      case 'Empty':
      case 'Dead':
        return ErrorCode.UNKNOWN_MEMBER_ID;
      case 'PreparingRebalance':
        // The member keeps its session and learns it has to rejoin.
        this.touch(member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.touch(member);
        return ErrorCode.NONE;
    }
  }

  // One error code per leaving member. An empty memberId with a groupInstanceId removes that static member
  // (the admin path of KIP-345).
  leave(members: readonly MemberIdentity[]): number[] {
    if (this.currentState === 'Dead') return members.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return members.map((l) => {
      if (l.memberId === '') {
        const current = l.groupInstanceId === null ? undefined : this.staticMembers.get(l.groupInstanceId);
        if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
        this.removeMemberAndUpdateGroup(current, 'static member removed by LeaveGroup');
        return ErrorCode.NONE;
      }
      if (this.removePending(l.memberId)) {
        if (this.currentState === 'PreparingRebalance') this.tryCompleteJoin();
        return ErrorCode.NONE;
      }
      if (this.isStaticMemberFenced(l.memberId, l.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
      if (!this.members.has(l.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.removeMemberAndUpdateGroup(l.memberId, 'member left the group');
      return ErrorCode.NONE;
    });
  }

  // OffsetCommit's group checks (Kafka's validateOffsetCommit + doCommitOffsets): null when the commit may
  // be stored. Commits without generation and member id are for groups that do not use group management
  // and only allowed while the group has no members.
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number): number | null {
    if (this.currentState === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      const error = this.validateMember(memberId, groupInstanceId, generationId);
      if (error !== null) return error;
    } else if (this.currentState !== 'Empty') {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    switch (this.currentState) {
      case 'CompletingRebalance':
        // A member with a valid generation has its JoinGroup answer; it must finish with SyncGroup first.
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'Stable':
      case 'PreparingRebalance': {
        // Commits are allowed while preparing: the heartbeat answer tells the member to rejoin.
        const member = this.members.get(memberId);
        if (member !== undefined) this.touch(member);
        return null;
      }
      case 'Empty':
        return null;
    }
  }

  // Deleted (DeleteGroups) or the broker is closing: every waiting request is answered with errorCode and
  // every timer cleared.
  shutdown(errorCode: number): void {
    this.clearJoinTimer();
    this.clearSyncTimer();
    for (const t of this.pendingMembers.values()) clearTimeout(t);
    this.pendingMembers.clear();
    for (const m of this.members.values()) {
      if (m.sessionTimer !== null) clearTimeout(m.sessionTimer);
      m.sessionTimer = null;
      if (m.awaitingJoin !== null) {
        const respond = m.awaitingJoin;
        m.awaitingJoin = null;
        respond(joinError(m.memberId, errorCode));
      }
      if (m.awaitingSync !== null) {
        const respond = m.awaitingSync;
        m.awaitingSync = null;
        respond(syncError(errorCode));
      }
    }
    this.numMembersAwaitingJoin = 0;
    this.transitionTo('Dead');
  }
}
