// Per-partition processor state, and how it survives kill -9 and rebalances.
//
// WHY PER PARTITION. bank_alerts is keyed by account_id, so every event of an account lives, in order,
// in exactly one partition. All rule state is per account (plus per transaction id for duplicates, and a
// repeated id arrives under the same key), so the state of partition P depends only on P's records. A
// partition is the unit of ownership in the consumer group, hence also the unit of snapshot and restore.
//
// DETERMINISM. Given the same records from the same offset and the same starting state, processing is a
// pure function: rules read time from the event (never Date.now()), ids are derived from the input
// (alert id = `${transaction_id}:${rule}`, minimal-message transaction id = `${partition}-${offset}`),
// iteration orders are insertion orders that the snapshot preserves, and every eviction is triggered by
// event time (the partition watermark), never by wall clock or memory pressure. So
//     state(snapshot at offset O) + replay(records >= O)  ==  uninterrupted run
// in alerts, DLQ records, metrics windows and quality counters.
//
// THE PROTOCOL (wired by the consume loop, described in docs/processor-state.md):
//   1. Per partition, process records in offset order; produce alerts/DLQ/metrics with deterministic ids.
//   2. Every N records or T seconds: wait until everything produced for records < nextOffset is acked,
//      then take snapshot() (its nextOffset is the first record NOT yet reflected), store it, and only
//      after the store succeeded commit the consumer offset nextOffset. A snapshot must never cover a
//      record whose outputs could still be lost, or a crash would lose those alerts for good.
//   3. On assignment (start, restart, rebalance): load the partition's latest snapshot, restore() it,
//      and seek to snapshot.nextOffset (no snapshot: fresh state from the earliest offset). Records below
//      nextOffset that still arrive (a committed offset older than the snapshot) are skipped, so they are
//      never applied twice.
//   4. Records after the snapshot whose outputs were produced before the crash are processed again and
//      yield byte-identical alerts with the same ids: the alert id set equals the uninterrupted run's.
//      To avoid even the physical re-send, the loop can read back the alerts produced since the checkpoint
//      and pass their ids to restore() (`emittedAlertIds`): those alerts are recomputed, and counted, but
//      not returned again. Consumers should still treat alerts as a set keyed by id (belt and braces).
//      Metrics windows are complete per (partition, windowStartMs), so re-sent windows replace, not add.
//
// BOUNDS. Account state is O(1) per account (velocity keeps < count timestamps); accounts idle for
// accountIdleTtlSec of event time are dropped. Duplicate-detection ids are kept oldest-first per
// partition (SeenIds): at most duplicate.maxIds, and entries older than the watermark minus windowSec go.
//
// VERSIONS. A snapshot carries its format version; decodeSnapshot upgrades older ones step by step
// (MIGRATIONS below). Independently of the format, a snapshot lists the rules its accounts have state for,
// and restore fits it to the running rules: a rule added since starts from its initial state, a removed
// rule's state is dropped (fitSnapshotToRules).
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { constants as zlibConstants, createGzip, gunzipSync } from 'node:zlib';
import type { AggregatorSnapshot } from './aggregates.ts';
import type { CaseState } from './cases.ts';
import { IncidentTracker } from './incident-score.ts';
import type { IncidentTrackerDelta, IncidentTrackerSnapshot } from './incident-score.ts';
import { fitQualityToRules, type QualitySnapshot } from './quality.ts';
import type { AccountState, EngineOutcome, RuleEngine } from './rules/engine.ts';
import type { SeenTransaction } from './rules/rule.ts';
import type { NormalizedTx } from './validate.ts';

type SnapshotJson = Record<string, unknown>;

// MIGRATIONS[i] turns a snapshot of version i + 1 into one of version i + 2: a new format version is one
// more function at the end, and the current version follows from the count.
const MIGRATIONS: ReadonlyArray<(s: SnapshotJson) => SnapshotJson> = [
  // 1 -> 2: an account's rule slices, properties named after their rule in version 1, become an array in
  // the order of the list of rule names the engine state now carries. Version 1 had no list because its
  // rules were fixed: these five (duplicate keeps no account state).
  (s) => {
    const names = ['low_balance', 'overdraft', 'large_amount', 'velocity', 'drain'];
    const engine = s.engine as { accounts: Array<[string, { lastEventMs: number } & SnapshotJson]>; seen: unknown };
    const accounts = engine.accounts.map(([id, account]) => [id, { lastEventMs: account.lastEventMs, slices: names.map((name) => account[name]) }]);
    return { ...s, version: 2, engine: { slices: names, accounts, seen: engine.seen } };
  },
  // 2 -> 3: low_balance and overdraft became customer notifications: they remember the account's own
  // threshold (none known yet), and the counters count notifications apart from alerts; fraud cases
  // (none open yet) and their count.
  (s) => {
    const engine = s.engine as { slices: string[]; accounts: Array<[string, { lastEventMs: number; slices: unknown[] }]>; seen: unknown };
    const limited = new Set(['low_balance', 'overdraft']);
    const accounts = engine.accounts.map(([id, account]) => [
      id,
      { ...account, slices: account.slices.map((slice, i) => (limited.has(engine.slices[i] as string) ? { ...(slice as SnapshotJson), accountLimitCents: null } : slice)) },
    ]);
    return { ...s, version: 3, engine: { ...engine, accounts }, cases: [], counters: { ...(s.counters as SnapshotJson), notifications: 0, cases: 0 } };
  },
  // 3 -> 4: amount_outlier keeps its payees' last payments as three lists (payees, paidMs, paidCents)
  // instead of a [payee, ms, cents] tuple per payee.
  (s) => {
    const engine = s.engine as { slices: string[]; accounts: Array<[string, { lastEventMs: number; slices: unknown[] }]>; seen: unknown };
    const at = engine.slices.indexOf('amount_outlier');
    if (at < 0) return { ...s, version: 4 };
    const accounts = engine.accounts.map(([id, account]) => {
      const slice = account.slices[at] as { kinds: unknown; payees: Array<[string, number, number]> };
      const slices = account.slices.slice();
      slices[at] = { kinds: slice.kinds, payees: slice.payees.map((p) => p[0]), paidMs: slice.payees.map((p) => p[1]), paidCents: slice.payees.map((p) => p[2]) };
      return [id, { ...account, slices }];
    });
    return { ...s, version: 4, engine: { ...engine, accounts } };
  },
  // 4 -> 5: amount_outlier keeps its kinds as a list of keys and one list of every kind's amounts, each
  // kind's preceded by their count, instead of a { key, logs } per kind, and its payees' last payments as
  // one list of (event time, amount) pairs instead of two lists.
  (s) => {
    const engine = s.engine as { slices: string[]; accounts: Array<[string, { lastEventMs: number; slices: unknown[] }]>; seen: unknown };
    const at = engine.slices.indexOf('amount_outlier');
    if (at < 0) return { ...s, version: 5 };
    const accounts = engine.accounts.map(([id, account]) => {
      const slice = account.slices[at] as { kinds: Array<{ key: string; logs: number[] }>; payees: string[]; paidMs: number[]; paidCents: number[] };
      const slices = account.slices.slice();
      slices[at] = {
        kinds: slice.kinds.map((k) => k.key),
        logs: slice.kinds.flatMap((k) => [k.logs.length, ...k.logs]),
        payees: slice.payees,
        paid: slice.paidMs.flatMap((ms, i) => [ms, slice.paidCents[i]]),
      };
      return [id, { ...account, slices }];
    });
    return { ...s, version: 5, engine: { ...engine, accounts } };
  },
];

export const SNAPSHOT_VERSION = MIGRATIONS.length + 1;

export interface EngineSnapshot {
  slices: string[]; // the account rules whose slices each account carries, in that order
  accounts: Array<[string, AccountState]>; // insertion order preserved
  seen: Array<[string, SeenTransaction]>; // insertion order matters: it decides which ids are evicted first
  // On a checkpoint: its accounts are the live ones, and this keeps what they were (PinnedAccounts).
  // Not part of the stored snapshot.
  pinned?: PinnedAccounts;
}

// The engine's part of a delta: the accounts set since the previous checkpoint (in full, in the order
// they joined the map when new), the ids of those evicted, and how the duplicate-id window changed.
export interface EngineDelta {
  slices: string[];
  accounts: Array<[string, AccountState]>;
  removed: string[];
  seen: SeenDelta;
  pinned?: PinnedAccounts; // as in EngineSnapshot
}

export interface ProcessorCounters {
  processed: number; // records taken (valid + dlq)
  valid: number;
  dlq: number;
  dlqByReason: Record<string, number>;
  alerts: number; // alerts raised, including those suppressed after a restore
  notifications: number; // customer notifications raised, likewise
  cases: number; // case publications (opened or updated), likewise
  skipped: number; // records below nextOffset, already reflected in restored state
  suppressed: number; // alerts and notifications not returned because the restore said they were already produced
  evictedAccounts: number;
}

export interface PartitionSnapshot {
  version: number; // SNAPSHOT_VERSION once decoded
  partition: number;
  nextOffset: string; // first offset not reflected in this state; decimal int64
  watermarkMs: number | null; // max event time seen
  nextSweepMs: number | null; // event time of the next idle-account sweep
  engine: EngineSnapshot;
  cases: Array<[string, CaseState]>; // open and candidate cases by account, in insertion order
  quality: QualitySnapshot;
  detection?: IncidentTrackerSnapshot; // ground-truth scoring facts (incident-score.ts); absent in snapshots written before them
  aggregates: AggregatorSnapshot;
  counters: ProcessorCounters;
}

// A checkpoint that holds only the accounts changed since the previous one (docs/processor.md, "Delta
// checkpoints"): with the full snapshot its chain starts from and the deltas before it, it gives the
// state at its nextOffset. Everything but the accounts, and the accounts detection scoring has seen, is
// small and carried whole.
export interface DeltaSnapshot extends Omit<PartitionSnapshot, 'engine' | 'detection'> {
  kind: 'delta';
  detection?: IncidentTrackerDelta;
  baseOffset: string; // nextOffset of the full snapshot the chain starts from
  previousOffset: string; // nextOffset of the checkpoint before this one in the chain
  seq: number; // 1 for the first delta after the full snapshot
  engine: EngineDelta;
}

export class SnapshotError extends Error {
  override name = 'SnapshotError';
  readonly code: 'SNAPSHOT_INVALID' | 'SNAPSHOT_MISMATCH' = 'SNAPSHOT_INVALID';
}

// A sound snapshot written under settings the current configuration contradicts (windowMs): restoring
// it would mix windows of two lengths. The remedy differs from a broken snapshot's, so the code does too.
export class SnapshotMismatchError extends SnapshotError {
  override name = 'SnapshotMismatchError';
  override readonly code = 'SNAPSHOT_MISMATCH';
}

// The duplicate rule's memory: transaction id -> first sighting, evicted oldest-first. A Map alone would
// do functionally, but V8 leaves deleted entries as holes at the front of a Map's table until it rehashes,
// so "delete the oldest" via a fresh iterator rescans those holes every time and turns steady-state churn
// quadratic (measured: ~4x slower at 50k ids). A queue in insertion order does the ordering instead; a
// queue entry whose sequence number no longer matches the map (the id was re-inserted after expiring) is
// stale and skipped.
//
// The queue is kept as parallel arrays (id, event time, offset, repeats) rather than an object per entry,
// and the map holds only an id's sequence number, which is its place in the queue: at the default 50,000
// ids per partition the window is a large part of the processing thread's live heap, and every record
// adds an entry that lives for 50,000 records, long enough to reach the old generation and be garbage
// there. Objects per entry made it about 300 bytes; this, about 157 (docs/processor.md).
export class SeenIds {
  private readonly seqOf = new Map<string, number>();
  // Entry `seq` is at index seq - base; those before `head` are evicted (or stale) and only wait for the
  // arrays to be compacted.
  private ids: string[] = [];
  private timestamps: number[] = [];
  private offsets: string[] = [];
  private repeats: number[] = [];
  private base = 0;
  private head = 0;
  // For delta checkpoints: entries from before the latest checkpoint have seq < sinceSeq; the ids of
  // such entries since updated in place, and of such entries since superseded by a new first sighting.
  private sinceSeq = 0;
  private readonly updatedSince = new Set<string>();
  private readonly reinsertedSince = new Set<string>();

  get size(): number {
    return this.seqOf.size;
  }

  get(id: string): SeenTransaction | undefined {
    const seq = this.seqOf.get(id);
    return seq === undefined ? undefined : this.entryAt(seq - this.base);
  }

  // A first sighting (isNew) goes to the back of the eviction order; a repeat updates in place.
  remember(id: string, entry: SeenTransaction, isNew: boolean): void {
    const current = this.seqOf.get(id);
    if (!isNew && current !== undefined) {
      const i = current - this.base;
      this.timestamps[i] = entry.timestampMs;
      this.offsets[i] = entry.offset;
      this.repeats[i] = entry.repeats;
      if (current < this.sinceSeq) this.updatedSince.add(id);
      return;
    }
    if (current !== undefined && current < this.sinceSeq) this.reinsertedSince.add(id);
    this.seqOf.set(id, this.base + this.ids.length);
    this.ids.push(id);
    this.timestamps.push(entry.timestampMs);
    this.offsets.push(entry.offset);
    this.repeats.push(entry.repeats);
  }

  // Oldest-first eviction: by count, and by age for entries at the front. An old entry stuck behind a
  // younger one (out-of-order timestamps) waits for the count bound or its turn at the front; the rule
  // itself refuses to match it once it is outside the window, so this only delays freeing memory.
  trim(maxIds: number, cutoffMs: number): void {
    while (this.head < this.ids.length) {
      const id = this.ids[this.head] as string;
      const live = this.live(this.head);
      if (live && this.seqOf.size <= maxIds && (this.timestamps[this.head] as number) >= cutoffMs) break;
      if (live) this.seqOf.delete(id);
      // The strings go now, not when the arrays are next compacted.
      this.ids[this.head] = '';
      this.offsets[this.head] = '';
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.timestamps = this.timestamps.slice(this.head);
      this.offsets = this.offsets.slice(this.head);
      this.repeats = this.repeats.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  // Live entries, oldest first: the eviction order, which a restore must reproduce.
  entries(): Array<[string, SeenTransaction]> {
    const out: Array<[string, SeenTransaction]> = [];
    for (let i = this.head; i < this.ids.length; i++) if (this.live(i)) out.push([this.ids[i] as string, this.entryAt(i)]);
    return out;
  }

  // What changed since the previous checkpoint (SeenDelta); changes are counted from here on.
  delta(): SeenDelta {
    const added: Array<[string, SeenTransaction]> = [];
    let kept = 0;
    for (let i = this.head; i < this.ids.length; i++) {
      if (!this.live(i)) continue;
      if (this.base + i < this.sinceSeq) kept++;
      else added.push([this.ids[i] as string, this.entryAt(i)]);
    }
    const updated: Array<[string, SeenTransaction]> = [];
    for (const id of this.updatedSince) {
      const seq = this.seqOf.get(id);
      if (seq !== undefined && seq < this.sinceSeq) updated.push([id, this.entryAt(seq - this.base)]);
    }
    const d = { kept, reinserted: [...this.reinsertedSince], updated, added };
    this.checkpointed();
    return d;
  }

  // A checkpoint holds the window as it is now.
  checkpointed(): void {
    this.sinceSeq = this.base + this.ids.length;
    this.updatedSince.clear();
    this.reinsertedSince.clear();
  }

  private live(i: number): boolean {
    return this.seqOf.get(this.ids[i] as string) === this.base + i;
  }

  private entryAt(i: number): SeenTransaction {
    return { timestampMs: this.timestamps[i] as number, offset: this.offsets[i] as string, repeats: this.repeats[i] as number };
  }
}

// How the duplicate-id window changed between two checkpoints. Entries leave it only from the front
// (trim) or when their id is seen afresh after its window (it then goes to the back), so the window now is:
// the previous one without the `reinserted` ids, of that its last `kept` entries, with the `updated`
// entries replaced, then the `added` ones (applySeenDelta). Far smaller than the window when, at a high
// rate, it holds maxIds ids.
export interface SeenDelta {
  kept: number;
  reinserted: string[];
  updated: Array<[string, SeenTransaction]>;
  added: Array<[string, SeenTransaction]>;
}

function applySeenDelta(previous: ReadonlyArray<[string, SeenTransaction]>, d: SeenDelta): Array<[string, SeenTransaction]> {
  const moved = new Set(d.reinserted);
  const remaining = moved.size === 0 ? previous : previous.filter(([id]) => !moved.has(id));
  if (d.kept > remaining.length) throw new SnapshotError(`delta keeps ${d.kept} remembered ids of ${remaining.length}`);
  let kept = remaining.slice(remaining.length - d.kept);
  if (d.updated.length > 0) {
    const updated = new Map(d.updated);
    kept = kept.map(([id, entry]) => [id, updated.get(id) ?? entry]);
  }
  return kept.concat(d.added);
}

// The accounts of a checkpoint still to be encoded, which are the live accounts: rules change account
// state in place (rule.ts), and copying every account a checkpoint holds would cost about what writing
// it does. An account still pinned is written as it is when the encoder comes to it; one about to change
// before that is written first (PartitionState.apply calls beforeChange), so the checkpoint holds every
// account as it was when the checkpoint was taken. The text is the account's JSON, as JSON.stringify
// would have written it at that moment.
export class PinnedAccounts {
  private readonly pending: Set<AccountState>;
  private readonly written = new Map<AccountState, string>();

  constructor(accounts: Iterable<AccountState>) {
    this.pending = new Set(accounts);
  }

  get done(): boolean {
    return this.pending.size === 0 && this.written.size === 0;
  }

  beforeChange(account: AccountState): void {
    if (this.pending.delete(account)) this.written.set(account, JSON.stringify(account));
  }

  // The account's JSON as of the checkpoint; it is no longer pinned.
  take(account: AccountState): string {
    const text = this.written.get(account);
    if (text !== undefined) {
      this.written.delete(account);
      return text;
    }
    this.pending.delete(account);
    return JSON.stringify(account);
  }

  // Every account still pinned is written now: the live state stops telling this checkpoint about changes.
  release(): void {
    for (const account of this.pending) this.written.set(account, JSON.stringify(account));
    this.pending.clear();
  }
}

function copyAccount(account: AccountState): AccountState {
  return JSON.parse(JSON.stringify(account)) as AccountState;
}

// What changed in the account map since the latest checkpoint, for a delta (DeltaSnapshot). Ids are kept
// in the order that lets a restore rebuild the map's insertion order: an account evicted and seen again
// leaves `changed` when it goes and joins it again at the end, as it went to the end of the map.
interface AccountChanges {
  changed: Set<string>; // set since the checkpoint, first set first
  removed: Set<string>; // evicted since the checkpoint
}

// Where the engine's state lives between records: the account map and the duplicate-id window.
export class PartitionState {
  readonly engine: RuleEngine;
  readonly accounts = new Map<string, AccountState>();
  readonly seen = new SeenIds();
  private readonly remembered: { windowMs: number; maxIds: number } | null;
  // null: no checkpoint was taken of this state yet (new, restored, or a new clock), so only a full
  // snapshot can describe it.
  private changes: AccountChanges | null = null;
  private pinned: PinnedAccounts | null = null; // the latest checkpoint's, until it is encoded

  constructor(engine: RuleEngine) {
    this.engine = engine;
    this.remembered = engine.remembered;
  }

  // Accounts a delta would carry now; null when only a full snapshot will do.
  get changedAccounts(): number | null {
    return this.changes === null ? null : this.changes.changed.size + this.changes.removed.size;
  }

  apply(tx: NormalizedTx, watermarkMs: number): EngineOutcome {
    const account = this.accounts.get(tx.accountId);
    if (account !== undefined && this.pinned !== null) {
      if (this.pinned.done) this.pinned = null;
      else this.pinned.beforeChange(account);
    }
    const outcome = this.engine.evaluate(tx, account, this.seen.get(tx.transactionId));
    if (outcome.account !== account) this.accounts.set(tx.accountId, outcome.account);
    this.changes?.changed.add(tx.accountId);
    if (outcome.seen !== null && this.remembered !== null) {
      this.seen.remember(tx.transactionId, outcome.seen, !outcome.isDuplicate);
      this.seen.trim(this.remembered.maxIds, watermarkMs - this.remembered.windowMs);
    }
    return outcome;
  }

  // Drop accounts whose newest event is older than cutoffMs. Returns how many went.
  evictIdle(cutoffMs: number): number {
    let evicted = 0;
    for (const [id, account] of this.accounts) {
      if (account.lastEventMs < cutoffMs) {
        this.accounts.delete(id);
        if (this.changes !== null) {
          this.changes.changed.delete(id);
          this.changes.removed.add(id);
        }
        evicted++;
      }
    }
    return evicted;
  }

  // A copy of the state as it is now, which later records leave as it is.
  toSnapshot(): EngineSnapshot {
    const accounts: Array<[string, AccountState]> = [];
    for (const [id, account] of this.accounts) accounts.push([id, copyAccount(account)]);
    return { slices: [...this.engine.sliceNames], accounts, seen: this.seen.entries() };
  }

  // For a checkpoint: the full state, or (delta) the accounts changed and removed since the previous
  // checkpoint; changes are counted from here on. A delta needs a previous checkpoint (changedAccounts
  // not null).
  takeCheckpoint(delta: false): EngineSnapshot;
  takeCheckpoint(delta: true): EngineDelta;
  takeCheckpoint(delta: boolean): EngineSnapshot | EngineDelta {
    const changes = this.changes;
    if (delta && changes === null) throw new RangeError('a delta needs a previous checkpoint of this state');
    this.changes = { changed: new Set(), removed: new Set() };
    if (!delta || changes === null) {
      this.seen.checkpointed();
      const accounts = [...this.accounts];
      return { slices: [...this.engine.sliceNames], accounts, seen: this.seen.entries(), pinned: this.pin(accounts) };
    }
    const accounts: Array<[string, AccountState]> = [];
    for (const id of changes.changed) accounts.push([id, this.accounts.get(id) as AccountState]);
    return { slices: [...this.engine.sliceNames], accounts, removed: [...changes.removed], seen: this.seen.delta(), pinned: this.pin(accounts) };
  }

  // The checkpoint's accounts keep their state until it is encoded. The previous checkpoint's accounts
  // not yet written (its encoding given up; checkpoints.ts never takes one while another is encoded) are
  // written now, as they are no longer watched.
  private pin(accounts: ReadonlyArray<[string, AccountState]>): PinnedAccounts {
    this.pinned?.release();
    const pinned = new PinnedAccounts(accounts.map((a) => a[1]));
    this.pinned = pinned;
    return pinned;
  }

  // snapshot: fitted to the engine's rules (fitSnapshotToRules).
  // The snapshot's accounts are copied: the state changes them in place, and the snapshot may be used
  // again (a test restoring one snapshot twice).
  static fromSnapshot(engine: RuleEngine, snapshot: EngineSnapshot): PartitionState {
    const state = new PartitionState(engine);
    for (const [id, account] of snapshot.accounts) state.accounts.set(id, copyAccount(account));
    for (const [id, entry] of snapshot.seen) state.seen.remember(id, entry, true);
    return state;
  }
}

// Snapshots travel as gzip'd JSON: readable after gunzip, and far smaller (account ids and field names
// repeat) for storage in a compacted topic whose message size limit is finite. JSON numbers round-trip
// doubles exactly, so the running means and sums restore bit for bit.
//
// A partition can hold hundreds of thousands of accounts: tens of MB of JSON. It is written into a gzip
// stream in parts of tens of KB (ENCODE_PART_ACCOUNTS accounts, ENCODE_PART_ITEMS seen ids), yielding to
// the event loop after every ENCODE_TURN_CHARS characters, so that records are processed meanwhile
// (checkpoints.ts), zlib compresses the parts already written on its own thread while the next ones are
// written, and no string of the whole snapshot is ever made. It is encoded where it is taken, on the
// processing thread: copying the account objects to the Kafka thread took several times longer. A turn's
// few hundred KB of JSON hold the thread for a few ms, which is what records arriving meanwhile wait at
// most.
//
// Why parts this small: V8 allocates a string over 128 KB outright in the old generation, so parts of
// 512 accounts (380 KB) made every checkpoint's text, dead once zlib has read it, old-generation garbage
// that only a full collection frees, and that grew the processing thread's heap. And why zlib's input
// queue is bounded (past ENCODE_TURN_CHARS the encoder waits for it to drain): JSON is written faster
// than a loaded machine compresses it, and the text queued in Buffers stayed in memory meanwhile.
//
// zlib compresses at its fastest level: a checkpoint every second or two re-encodes every account, and on
// a bank sized for the default rate level 6 took about as much CPU as writing the JSON (0.29 s for a
// partition of 22,000 accounts, 16 MB of JSON) where level 1 takes half (0.14 s), for snapshots about a
// fifth larger (3.2 MB instead of 2.6 MB). Compression runs on zlib's thread, but on 2 cores that thread
// takes its CPU from the processing.
const ENCODE_PART_ACCOUNTS = 64;
const ENCODE_PART_ITEMS = 256;
const ENCODE_TURN_CHARS = 384 * 1024;

// busy: gets the time the encoding held the thread added (between its turns, other work runs).
export async function encodeSnapshot(snapshot: PartitionSnapshot | DeltaSnapshot, busy?: { ms: number }): Promise<Buffer> {
  const gzip = createGzip({ level: zlibConstants.Z_BEST_SPEED });
  const out: Buffer[] = [];
  gzip.on('data', (b: Buffer) => out.push(b));
  const ended = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  // A zlib error also ends a wait for 'drain' below, before this is awaited.
  ended.catch(() => {});
  let written = 0; // characters since the last turn
  let started = performance.now();
  for (const part of snapshotJson(snapshot)) {
    gzip.write(part);
    // Past its high-water mark (64 KB, less than this) the stream emits 'drain' once its queue is empty.
    const room = gzip.writableLength < ENCODE_TURN_CHARS;
    written += part.length;
    if (room && written < ENCODE_TURN_CHARS) continue;
    if (busy !== undefined) busy.ms += performance.now() - started;
    written = 0;
    await (room ? nextTurn() : once(gzip, 'drain'));
    started = performance.now();
  }
  if (busy !== undefined) busy.ms += performance.now() - started;
  gzip.end();
  await ended;
  return Buffer.concat(out);
}

// JSON.stringify(snapshot) in parts (the engine's fields last).
function* snapshotJson(snapshot: PartitionSnapshot | DeltaSnapshot): Generator<string> {
  const { engine, ...rest } = snapshot;
  yield `${JSON.stringify(rest).slice(0, -1)},"engine":{"slices":${JSON.stringify(engine.slices)},"accounts":`;
  yield* accountsJson(engine.accounts, engine.pinned);
  if ('removed' in engine) {
    const { updated, added, ...seen } = engine.seen;
    yield `,"removed":${JSON.stringify(engine.removed)},"seen":${JSON.stringify(seen).slice(0, -1)},"updated":`;
    yield* jsonArray(updated, ENCODE_PART_ITEMS);
    yield ',"added":';
    yield* jsonArray(added, ENCODE_PART_ITEMS);
    yield '}}}';
    return;
  }
  yield ',"seen":';
  yield* jsonArray(engine.seen, ENCODE_PART_ITEMS);
  yield '}}';
}

// The accounts as JSON.stringify writes them; a checkpoint's as they were when it was taken.
function* accountsJson(accounts: ReadonlyArray<[string, AccountState]>, pinned: PinnedAccounts | undefined): Generator<string> {
  if (pinned === undefined) {
    yield* jsonArray(accounts, ENCODE_PART_ACCOUNTS);
    return;
  }
  yield '[';
  for (let i = 0; i < accounts.length; i += ENCODE_PART_ACCOUNTS) {
    const end = Math.min(i + ENCODE_PART_ACCOUNTS, accounts.length);
    let part = '';
    for (let j = i; j < end; j++) {
      const [id, account] = accounts[j] as [string, AccountState];
      part += `${j === 0 ? '' : ','}[${JSON.stringify(id)},${pinned.take(account)}]`;
    }
    yield part;
  }
  yield ']';
}

function* jsonArray(items: readonly unknown[], per: number): Generator<string> {
  yield '[';
  for (let i = 0; i < items.length; i += per) {
    const elements = JSON.stringify(items.slice(i, i + per)).slice(1, -1);
    yield i === 0 ? elements : `,${elements}`;
  }
  yield ']';
}

export function decodeSnapshot(data: Buffer): PartitionSnapshot {
  return checkSnapshot(parseGzipJson(data, 'snapshot'));
}

// A delta is only ever applied to state of its own format version: a chain written before a format
// change ends at its full snapshot (see resolveChain).
export function decodeDelta(data: Buffer): DeltaSnapshot {
  const value = parseGzipJson(data, 'delta');
  if (typeof value !== 'object' || value === null || (value as SnapshotJson).kind !== 'delta') throw new SnapshotError('delta is not a delta snapshot');
  const d = value as Partial<DeltaSnapshot>;
  if (d.version !== SNAPSHOT_VERSION) throw new SnapshotError(`delta of format version ${String(d.version)}, expected ${SNAPSHOT_VERSION}`);
  for (const field of ['nextOffset', 'baseOffset', 'previousOffset'] as const) {
    if (typeof d[field] !== 'string' || !/^\d+$/.test(d[field])) throw new SnapshotError(`delta has no valid ${field}`);
  }
  if (!Number.isInteger(d.partition) || !Number.isInteger(d.seq)) throw new SnapshotError('delta has no partition or seq');
  const engine = d.engine;
  if (!engine || !Array.isArray(engine.slices) || !Array.isArray(engine.accounts) || !Array.isArray(engine.removed)) throw new SnapshotError('delta has no engine state');
  const seen = engine.seen as Partial<SeenDelta> | undefined;
  if (!seen || !Number.isInteger(seen.kept) || !Array.isArray(seen.reinserted) || !Array.isArray(seen.updated) || !Array.isArray(seen.added)) {
    throw new SnapshotError('delta has no duplicate-id window changes');
  }
  if (!d.quality || !d.aggregates || !d.counters || !Array.isArray(d.cases)) throw new SnapshotError('delta is missing quality, aggregates, counters or cases');
  return d as DeltaSnapshot;
}

function parseGzipJson(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(gunzipSync(data).toString('utf8'));
  } catch (err) {
    throw new SnapshotError(`${what} is not gzip'd JSON: ${(err as Error).message}`, { cause: err });
  }
}

// A full snapshot with the deltas of its chain applied, one after the other: the state at the last one's
// nextOffset. A delta must continue the state (checkContinues, and its duplicate-id window changes must
// fit): one that does not is refused with SnapshotError before anything of it is applied, and the state
// stays that of the deltas before it (resolveChain).
export class DeltaChainState {
  private readonly full: PartitionSnapshot;
  private readonly accounts: Map<string, AccountState>;
  private seen: Array<[string, SeenTransaction]>;
  private readonly detectionAccounts: Set<string>;
  private last: DeltaSnapshot | null = null;
  private applied = 0;

  constructor(full: PartitionSnapshot) {
    this.full = full;
    this.accounts = new Map(full.engine.accounts);
    this.seen = full.engine.seen;
    this.detectionAccounts = new Set(full.detection?.accounts);
  }

  get nextOffset(): string {
    return this.last?.nextOffset ?? this.full.nextOffset;
  }

  apply(d: DeltaSnapshot): void {
    checkContinues(this.full, d, this.nextOffset, this.applied + 1);
    const seen = applySeenDelta(this.seen, d.engine.seen);
    // Written by this version, a delta lists only the accounts scoring added since the checkpoint before it.
    if (d.detection !== undefined && !Array.isArray(d.detection.accountsAdded)) throw new SnapshotError('delta has no list of the accounts added to detection scoring');
    for (const id of d.detection?.accountsAdded ?? []) this.detectionAccounts.add(id);
    for (const id of d.engine.removed) this.accounts.delete(id);
    for (const [id, account] of d.engine.accounts) this.accounts.set(id, account);
    this.seen = seen;
    this.last = d;
    this.applied++;
  }

  snapshot(): PartitionSnapshot {
    if (this.last === null) return this.full;
    // Everything but the accounts (of the engine and of detection scoring) and the duplicate-id window is
    // the last delta's.
    const { kind: _kind, baseOffset: _base, previousOffset: _previous, seq: _seq, engine, detection, ...rest } = this.last;
    return {
      ...rest,
      ...(detection === undefined ? {} : { detection: IncidentTracker.fromDelta(detection, this.detectionAccounts) }),
      engine: { slices: engine.slices, accounts: [...this.accounts], seen: this.seen },
    };
  }
}

// Whether d can follow, as delta `seq` of full's chain, the state at offset `at`.
function checkContinues(full: PartitionSnapshot, d: DeltaSnapshot, at: string, seq: number): void {
  if (full.version !== SNAPSHOT_VERSION) throw new SnapshotError(`delta ${seq} follows a snapshot of format version ${full.version}, not ${SNAPSHOT_VERSION}`);
  if (d.partition !== full.partition) throw new SnapshotError(`delta ${seq} is of partition ${d.partition}, not ${full.partition}`);
  if (d.seq !== seq || d.baseOffset !== full.nextOffset) throw new SnapshotError(`delta ${d.seq} of the chain from ${d.baseOffset} is not delta ${seq} of the chain from ${full.nextOffset}`);
  if (d.previousOffset !== at) throw new SnapshotError(`delta ${seq} continues from offset ${d.previousOffset}, the state is at ${at}`);
  const sameRules = d.engine.slices.length === full.engine.slices.length && d.engine.slices.every((name, i) => name === full.engine.slices[i]);
  if (!sameRules) throw new SnapshotError(`delta ${seq} was written with other rules than its full snapshot`);
}

// Shape check of the parts restore relies on, after upgrading an older version to the current one.
// Snapshots are written by this code, so this guards against storing the wrong thing or a format change,
// not against a hostile writer.
export function checkSnapshot(value: unknown): PartitionSnapshot {
  if (typeof value !== 'object' || value === null) throw new SnapshotError('snapshot is not an object');
  let json = value as SnapshotJson;
  const version = json.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1 || version > SNAPSHOT_VERSION) {
    throw new SnapshotError(`snapshot version ${String(version)}, expected ${SNAPSHOT_VERSION} or older`);
  }
  const s = json as Partial<PartitionSnapshot>;
  if (!Number.isInteger(s.partition)) throw new SnapshotError('snapshot has no partition');
  if (typeof s.nextOffset !== 'string' || !/^\d+$/.test(s.nextOffset)) throw new SnapshotError('snapshot has no valid nextOffset');
  if (!s.engine || !Array.isArray(s.engine.accounts) || !Array.isArray(s.engine.seen)) throw new SnapshotError('snapshot has no engine state');
  if (!s.quality || !s.aggregates || !s.counters) throw new SnapshotError('snapshot is missing quality, aggregates or counters');
  if (version >= 3 && !Array.isArray(s.cases)) throw new SnapshotError('snapshot has no cases');
  for (let v = version; v < SNAPSHOT_VERSION; v++) json = (MIGRATIONS[v - 1] as (s: SnapshotJson) => SnapshotJson)(json);
  const upgraded = json as unknown as PartitionSnapshot;
  if (!Array.isArray(upgraded.engine.slices) || !upgraded.engine.slices.every((name) => typeof name === 'string')) {
    throw new SnapshotError('snapshot does not list the rules of its account state');
  }
  return upgraded;
}

// A snapshot written while other rules existed, fitted to the running ones: every account gets a slice
// for each of the engine's account rules, starting from the rule's initial state when the snapshot had
// none (a rule added since: the "new rule's slice starts empty" migration), and loses the slices of rules
// that are gone; the quality counters likewise. When the snapshot's rules are the engine's, the usual
// case, the accounts are taken as they are.
export function fitSnapshotToRules(snapshot: PartitionSnapshot, engine: RuleEngine): PartitionSnapshot {
  const same = snapshot.engine.slices.length === engine.sliceNames.length && snapshot.engine.slices.every((name, i) => name === engine.sliceNames[i]);
  const engineState: EngineSnapshot = same
    ? snapshot.engine
    : { ...snapshot.engine, slices: [...engine.sliceNames], accounts: snapshot.engine.accounts.map(([id, account]) => [id, engine.fitAccount(account, snapshot.engine.slices)]) };
  return {
    ...snapshot,
    engine: engineState,
    quality: { ...snapshot.quality, totals: fitQualityToRules(snapshot.quality.totals) },
    aggregates: { ...snapshot.aggregates, open: snapshot.aggregates.open.map((w) => ({ ...w, quality: fitQualityToRules(w.quality) })) },
  };
}
