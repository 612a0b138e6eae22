// Decoding bank_metrics and bank_alerts_high records. Anyone who can reach the broker can write to these
// topics, so a record is checked field by field and rebuilt from the known fields only: a bad record is
// counted and skipped instead of breaking the merge or reaching the page with unexpected properties.
import { TRANSACTION_TYPES, type TransactionType } from '../bank/transaction.ts';
import { emptyWindow, type TypeStats, type WindowAggregate } from '../processor/aggregates.ts';
import type { Alert, RuleName, Severity } from '../processor/alert.ts';
import { emptyQuality, QUALITY_KEYS, type QualityCounters } from '../processor/quality.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function counts(v: unknown): Record<string, number> | null {
  if (v === undefined) return {};
  if (!isObj(v)) return null;
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v)) {
    const c = count(n);
    if (c === null) return null;
    out[k] = c;
  }
  return out;
}

function parseJson(value: Buffer | null | undefined): unknown {
  if (value === null || value === undefined || value.length === 0) return undefined;
  try {
    return JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
}

function parseQuality(v: unknown): QualityCounters | null {
  const q = emptyQuality();
  if (v === undefined) return q;
  if (!isObj(v)) return null;
  const labeled = count(v.labeled);
  const positives = count(v.positives ?? 0);
  const episodes = count(v.episodes ?? 0);
  const byRule = v.byRule ?? {};
  if (labeled === null || positives === null || episodes === null || !isObj(byRule)) return null;
  q.labeled = labeled;
  q.positives = positives;
  q.episodes = episodes;
  for (const key of QUALITY_KEYS) {
    const r = byRule[key];
    if (r === undefined) continue;
    if (!isObj(r)) return null;
    const fields = [count(r.tp), count(r.fp), count(r.detected), count(r.ttdSumMs), count(r.ttdMaxMs)];
    if (fields.some((f) => f === null)) return null;
    const [tp, fp, detected, ttdSumMs, ttdMaxMs] = fields as number[];
    q.byRule[key] = { tp: tp as number, fp: fp as number, detected: detected as number, ttdSumMs: ttdSumMs as number, ttdMaxMs: ttdMaxMs as number };
  }
  return q;
}

// A bank_metrics record: a JSON array of one partition's windows (src/processor/sinks.ts metricsRecord).
// One bad window makes the whole record bad: records come whole from one processor, so a bad part means
// a writer that is not ours or is broken.
export function parseWindows(value: Buffer | null | undefined): WindowAggregate[] | null {
  const v = parseJson(value);
  if (!Array.isArray(v) || v.length === 0) return null;
  const out: WindowAggregate[] = [];
  for (const item of v) {
    const w = parseWindow(item);
    if (w === null) return null;
    out.push(w);
  }
  return out;
}

// One window as WindowArray (src/processor/window-json.ts) writes it: fields that are zero or empty may be
// left out.
function parseWindow(v: unknown): WindowAggregate | null {
  if (!isObj(v)) return null;
  const start = finite(v.windowStartMs);
  const windowMs = count(v.windowMs);
  if (start === null || windowMs === null || windowMs === 0) return null;
  if (!Array.isArray(v.partitions) || v.partitions.length === 0) return null;
  const partitions: number[] = [];
  for (const p of v.partitions) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0) return null;
    partitions.push(p);
  }
  if (new Set(partitions).size !== partitions.length) return null;

  const w = emptyWindow(0, start, windowMs);
  w.partitions = partitions.sort((a, b) => a - b);
  const records = count(v.records);
  const valid = count(v.valid ?? 0);
  const dlq = count(v.dlq ?? 0);
  const late = count(v.late ?? 0);
  if (records === null || valid === null || dlq === null || late === null) return null;
  Object.assign(w, { records, valid, dlq, late, throughputPerSec: (records * 1000) / windowMs });

  const dlqByReason = counts(v.dlqByReason);
  const alertsByRule = counts(v.alertsByRule);
  const alertsBySeverity = counts(v.alertsBySeverity);
  const quality = parseQuality(v.quality);
  if (dlqByReason === null || alertsByRule === null || alertsBySeverity === null || quality === null) return null;
  Object.assign(w, { dlqByReason, alertsByRule, alertsBySeverity, quality });

  if (v.byType !== undefined) {
    if (!isObj(v.byType)) return null;
    for (const [type, s] of Object.entries(v.byType)) {
      if (!(TRANSACTION_TYPES as readonly string[]).includes(type) || !isObj(s)) return null;
      const c = count(s.count);
      const sum = finite(s.sumCents);
      const min = finite(s.minCents);
      const max = finite(s.maxCents);
      if (c === null || c === 0 || sum === null || min === null || max === null) return null;
      const stats: TypeStats = { count: c, sumCents: sum, minCents: min, maxCents: max, avgCents: sum / c };
      w.byType[type as TransactionType] = stats;
    }
  }
  return w;
}

function str(v: unknown, max = 1000): string | null {
  return typeof v === 'string' && v.length <= max ? v : null;
}

function scalars(v: unknown): Record<string, number | string> | null {
  if (!isObj(v)) return null;
  const out: Record<string, number | string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
    else if (typeof x === 'string' && x.length <= 1000) out[k] = x;
    else return null;
  }
  return out;
}

export function parseAlert(value: Buffer | null | undefined): Alert | null {
  const v = parseJson(value);
  if (!isObj(v)) return null;
  const id = str(v.id);
  const rule = str(v.rule, 100);
  const severity = str(v.severity, 100);
  const accountId = str(v.account_id);
  const transactionId = str(v.transaction_id);
  const type = str(v.transaction_type, 100);
  const timestamp = str(v.timestamp, 100);
  const explanation = str(v.explanation, 4000);
  const observed = scalars(v.observed ?? {});
  const threshold = scalars(v.threshold ?? {});
  if (id === null || rule === null || severity === null || accountId === null || transactionId === null || type === null) return null;
  if (timestamp === null || explanation === null || observed === null || threshold === null) return null;
  const numericThreshold: Record<string, number> = {};
  for (const [k, x] of Object.entries(threshold)) {
    if (typeof x !== 'number') return null;
    numericThreshold[k] = x;
  }
  const source = isObj(v.source) ? v.source : {};
  const partition = typeof source.partition === 'number' && Number.isInteger(source.partition) ? source.partition : -1;
  const offset = typeof source.offset === 'string' || typeof source.offset === 'number' ? String(source.offset) : '';
  // rule, severity and type are typed as the processor's unions, but the page treats them as text and
  // only maps known values to styles, so an unknown value from another producer still displays safely.
  return {
    id,
    rule: rule as RuleName,
    severity: severity as Severity,
    account_id: accountId,
    transaction_id: transactionId,
    transaction_type: type as TransactionType,
    timestamp,
    observed,
    threshold: numericThreshold,
    explanation,
    source: { partition, offset },
  };
}
