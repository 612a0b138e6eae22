// Detection quality against the simulator's ground truth (the `sim-label` record header). Records
// without the header are not scored at all, so a real feed simply produces no quality numbers.
//
// Definitions (per rule, and for `any`, meaning "at least one rule"):
// - Positive record: a labelled record whose label is not 'normal'.
// - True positive (tp): an alert of the rule on a positive record. False positive (fp): an alert of the
//   rule on a record labelled 'normal'. Precision = tp / (tp + fp). Alert-level, so a rule that fires on
//   three records of one fraud episode earns three true positives.
// - Episode: one fraud incident's records on one account. With the simulator v2's `sim-incident` header,
//   the records of one account that name one incident, however much of the account's normal life comes
//   between them (a slow takeover runs for days beside it): the victim's side and the mule's side of an
//   incident are two episodes, one per account, and an account is always in one partition, so episodes
//   add up across partitions. Without the header (simulator v1), a maximal run of consecutive labelled
//   records of one account carrying the same positive label, ended by the account's next labelled record
//   with a different label. Unlabelled records neither extend nor end either kind.
// - Recall = episodes the rule detected (alerted on at least one of its records) / episodes. Episode-level
//   because a fraud incident is caught once caught; record-level recall would punish a rule for not
//   re-alerting on every step of an incident it already reported.
// - Time to detect (ttd): event time of the rule's first alert in an episode minus event time of the
//   episode's first record; 0 when it fires on the first record. Reported as mean and max over detected
//   episodes.
// Each rule targets one kind of trouble and is scored against every positive label, so a single rule's
// recall is expected to be partial; `any` measures the detector as a whole. duplicate flags a
// condition rather than fraud, and its precision says how often they coincide.
//
// Counters are plain sums, so windows, partitions and processors merge by addition; ratios are only
// computed at the end (summarizeQuality), never averaged.
import type { RuleName } from './alert.ts';
import { FRAUD_RULE_NAMES } from './rules/registry.ts';

// Customer notifications (low_balance, overdraft) are not fraud findings and are not scored.
export const QUALITY_KEYS = [...FRAUD_RULE_NAMES, 'any'] as const;
export type QualityKey = (typeof QUALITY_KEYS)[number];

export interface RuleQuality {
  tp: number;
  fp: number;
  detected: number; // episodes detected
  ttdSumMs: number;
  ttdMaxMs: number;
}

export interface QualityCounters {
  labeled: number; // records carrying the label header
  positives: number; // of which not 'normal'
  episodes: number; // episodes started
  byRule: Record<QualityKey, RuleQuality>;
}

export interface RuleQualitySummary {
  tp: number;
  fp: number;
  detected: number;
  precision: number | null; // null when the rule never alerted on a labelled record
  recall: number | null; // null when there were no episodes
  meanTtdMs: number | null;
  maxTtdMs: number | null;
}

export interface Episode {
  label: string;
  startMs: number;
  lastEventMs: number;
  detectedBy: QualityKey[];
}

export interface QualitySnapshot {
  episodes: Array<[string, Episode]>;
  totals: QualityCounters;
}

export function emptyQuality(): QualityCounters {
  return { labeled: 0, positives: 0, episodes: 0, byRule: zeroByRule() };
}

function zeroByRule(): Record<QualityKey, RuleQuality> {
  const byRule = {} as Record<QualityKey, RuleQuality>;
  for (const key of QUALITY_KEYS) byRule[key] = { tp: 0, fp: 0, detected: 0, ttdSumMs: 0, ttdMaxMs: 0 };
  return byRule;
}

// Rule counters that are all zero, shared and frozen: what most metrics windows carry (rules rarely fire),
// until addQuality gives the window counters of its own.
const SHARED_ZERO_BY_RULE: Readonly<Record<QualityKey, RuleQuality>> = Object.freeze(
  Object.fromEntries(QUALITY_KEYS.map((key) => [key, Object.freeze({ tp: 0, fp: 0, detected: 0, ttdSumMs: 0, ttdMaxMs: 0 })])) as Record<QualityKey, RuleQuality>,
);

// Like emptyQuality, for counters that only addQuality will change (a metrics window's): the rule
// counters are allocated when the first alert is counted.
export function emptyWindowQuality(): QualityCounters {
  return { labeled: 0, positives: 0, episodes: 0, byRule: SHARED_ZERO_BY_RULE };
}

function frozenDelta(positives: number, episodes: number): QualityCounters {
  const q = emptyQuality();
  q.labeled = 1;
  q.positives = positives;
  q.episodes = episodes;
  for (const key of QUALITY_KEYS) Object.freeze(q.byRule[key]);
  Object.freeze(q.byRule);
  return Object.freeze(q);
}

// What a labelled record without alerts adds: normal, a positive one inside an open episode, or the first
// of a new episode.
const NORMAL_DELTA = frozenDelta(0, 0);
const POSITIVE_DELTA = frozenDelta(1, 0);
const EPISODE_START_DELTA = frozenDelta(1, 1);

export function isEmptyQuality(q: QualityCounters): boolean {
  return q.labeled === 0;
}

// Adds b into a (mutating a) and returns a. Every field is a sum except ttdMaxMs, a max: both are
// associative and commutative, which is what makes the counters mergeable in any grouping.
export function addQuality(a: QualityCounters, b: QualityCounters): QualityCounters {
  a.labeled += b.labeled;
  a.positives += b.positives;
  a.episodes += b.episodes;
  // The shared deltas of records without alerts have nothing per rule.
  if (b === NORMAL_DELTA || b === POSITIVE_DELTA || b === EPISODE_START_DELTA || b.byRule === SHARED_ZERO_BY_RULE) return a;
  if (a.byRule === SHARED_ZERO_BY_RULE) a.byRule = zeroByRule();
  for (const key of QUALITY_KEYS) {
    const x = a.byRule[key];
    const y = b.byRule[key];
    x.tp += y.tp;
    x.fp += y.fp;
    x.detected += y.detected;
    x.ttdSumMs += y.ttdSumMs;
    x.ttdMaxMs = Math.max(x.ttdMaxMs, y.ttdMaxMs);
  }
  return a;
}

// Counters restored from a snapshot written while other rules existed: zeros for a rule added since, and
// nothing for a rule that is gone. The counters themselves when they already have exactly QUALITY_KEYS.
export function fitQualityToRules(q: QualityCounters): QualityCounters {
  if (Object.keys(q.byRule).length === QUALITY_KEYS.length && QUALITY_KEYS.every((key) => Object.hasOwn(q.byRule, key))) return q;
  const byRule = zeroByRule();
  for (const key of QUALITY_KEYS) if (Object.hasOwn(q.byRule, key)) byRule[key] = { ...q.byRule[key] };
  return { ...q, byRule };
}

export function cloneQuality(q: QualityCounters): QualityCounters {
  return addQuality(emptyQuality(), q);
}

export function summarizeQuality(q: QualityCounters): Record<QualityKey, RuleQualitySummary> {
  const out = {} as Record<QualityKey, RuleQualitySummary>;
  for (const key of QUALITY_KEYS) {
    const r = q.byRule[key];
    out[key] = {
      tp: r.tp,
      fp: r.fp,
      detected: r.detected,
      precision: r.tp + r.fp === 0 ? null : r.tp / (r.tp + r.fp),
      recall: q.episodes === 0 ? null : r.detected / q.episodes,
      meanTtdMs: r.detected === 0 ? null : r.ttdSumMs / r.detected,
      maxTtdMs: r.detected === 0 ? null : r.ttdMaxMs,
    };
  }
  return out;
}

// Follows open episodes and turns each labelled record into a counter delta, which the caller adds to the
// record's metrics window and to its running totals. Episodes are keyed by account (a v1 label run) or by
// account and incident (episodeKey).
export class QualityTracker {
  readonly episodes = new Map<string, Episode>();
  readonly totals: QualityCounters = emptyQuality();

  // label: the header value, or null when the record has none; incident: the `sim-incident` header, or
  // null. Returns null for unlabelled records. The returned counters must not be modified (records
  // without alerts share them).
  observe(accountId: string, eventMs: number, label: string | null, incident: string | null, alertRules: readonly RuleName[]): QualityCounters | null {
    if (label === null) return null;
    const positive = label !== 'normal';
    const key = positive && incident !== null ? episodeKey(accountId, incident) : accountId;

    let episode = this.episodes.get(key);
    let started = false;
    if (!positive) {
      // A normal record ends the account's label run; an incident's episode goes on beside it.
      if (episode !== undefined) this.episodes.delete(key);
      episode = undefined;
    } else {
      if (episode === undefined || episode.label !== label) {
        episode = { label, startMs: eventMs, lastEventMs: eventMs, detectedBy: [] };
        started = true;
      } else {
        episode = { ...episode, lastEventMs: Math.max(episode.lastEventMs, eventMs), detectedBy: [...episode.detectedBy] };
      }
      this.episodes.set(key, episode);
    }

    if (alertRules.length === 0) {
      // Most records: no rule fired, so only the three record counters move.
      const delta = !positive ? NORMAL_DELTA : started ? EPISODE_START_DELTA : POSITIVE_DELTA;
      this.totals.labeled++;
      this.totals.positives += delta.positives;
      this.totals.episodes += delta.episodes;
      return delta;
    }
    const delta = emptyQuality();
    delta.labeled = 1;
    if (positive) delta.positives = 1;
    if (started) delta.episodes = 1;

    const fired: QualityKey[] = alertRules.length > 0 ? [...new Set(alertRules), 'any'] : [];
    for (const key of fired) {
      const r = delta.byRule[key];
      if (!positive || episode === undefined) {
        r.fp++;
        continue;
      }
      r.tp++;
      if (!episode.detectedBy.includes(key)) {
        episode.detectedBy.push(key);
        // Out-of-order event times could make this negative; a detection is never earlier than its start.
        const ttd = Math.max(0, eventMs - episode.startMs);
        r.detected++;
        r.ttdSumMs += ttd;
        r.ttdMaxMs = Math.max(r.ttdMaxMs, ttd);
      }
    }
    addQuality(this.totals, delta);
    return delta;
  }

  // Forget episodes of accounts idle since before cutoffMs, together with their account state.
  evictIdle(cutoffMs: number): void {
    for (const [id, episode] of this.episodes) {
      if (episode.lastEventMs < cutoffMs) this.episodes.delete(id);
    }
  }

  toSnapshot(): QualitySnapshot {
    return { episodes: [...this.episodes], totals: cloneQuality(this.totals) };
  }

  static fromSnapshot(snapshot: QualitySnapshot): QualityTracker {
    const tracker = new QualityTracker();
    for (const [id, episode] of snapshot.episodes) tracker.episodes.set(id, { ...episode, detectedBy: [...episode.detectedBy] });
    addQuality(tracker.totals, snapshot.totals);
    return tracker;
  }
}

// An incident's episode on one account. A v1 run's key is the account id alone; only an account id that
// itself holds a NUL and an incident id could meet one, and then only quality counters would mix.
function episodeKey(accountId: string, incident: string): string {
  return `${accountId}\u0000${incident}`;
}
