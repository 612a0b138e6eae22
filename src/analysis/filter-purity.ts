// The filter-purity table: for each one-line filter an analyst would try first (an amount band per type
// and channel, an hour band, a channel, a balance left at exactly 0, a declined status, a merchant
// category), the share of fraud records it catches (coverage) and the share of fraud among what it
// matches (purity). A filter that covers more than 2% of fraud records at more than 50% purity is a
// giveaway: the stream then needs no detection worth the name (issue 15).

import type { EventTable } from './event-table.ts';

export const GIVEAWAY_COVERAGE = 0.02;
export const GIVEAWAY_PURITY = 0.5;

// Upper bounds of the amount bands, major units; the band is (previous bound, bound], the first [0, 1).
// 800 is a bound because ATMs cap a single withdrawal at $800.
const AMOUNT_BOUNDS = [1, 10, 50, 100, 250, 500, 800] as const;
// Hour bands start at 01:00 so the small hours (01:00-04:59, when takeovers happen) are one band.
const HOUR_BAND_START = 1;
const HOUR_BAND_HOURS = 4;
const MONEY_TYPES = new Set(['deposit', 'withdraw', 'checking_account', 'savings_account']);

export interface FilterRow {
  filter: string;
  matched: number;
  fraud: number;
  incidents: number; // distinct incidents with at least one matched record
  coverage: number; // fraud / all fraud records
  purity: number; // fraud / matched
  giveaway: boolean;
}

export interface FilterPurity {
  fraudRecords: number;
  incidents: number;
  rows: FilterRow[]; // every filter that matched a fraud record, giveaways first, then by purity
  giveaways: FilterRow[];
  // All giveaway filters OR-ed together: what a five-line rule set would catch.
  union: { matched: number; fraud: number; incidents: number; precision: number; coverage: number; incidentCoverage: number };
}

export function amountBand(amount: number): string {
  if (amount < 1) return '<$1';
  let lower = 1;
  for (const bound of AMOUNT_BOUNDS.slice(1)) {
    if (amount <= bound) return `$${lower}–${bound}`;
    lower = bound;
  }
  return `>$${lower}`;
}

export function hourBand(timeMs: number): string {
  const hour = new Date(timeMs).getUTCHours();
  const start = (Math.floor((hour - HOUR_BAND_START + 24) / HOUR_BAND_HOURS) * HOUR_BAND_HOURS + HOUR_BAND_START) % 24;
  const end = (start + HOUR_BAND_HOURS - 1) % 24;
  return `${String(start).padStart(2, '0')}:00–${String(end).padStart(2, '0')}:59`;
}

// Every filter a record matches.
export function filtersOf(table: EventTable, row: number): string[] {
  const type = table.types.name(table.type[row] ?? 0);
  const channel = table.channels.name(table.channel[row] ?? 0);
  const kind = `${type} via ${channel}`;
  const hours = hourBand(table.timeMs[row] ?? 0);
  const keys = [`channel ${channel}`, kind, `hour ${hours}`, `${kind}, hour ${hours}`];
  if (MONEY_TYPES.has(type)) {
    const band = amountBand(table.amount[row] ?? 0);
    keys.push(`${type}, amount ${band}`, `${kind}, amount ${band}`);
  }
  if (table.balance[row] === 0) keys.push(type === 'withdraw' ? 'withdraw leaving balance exactly 0' : `${type} with balance exactly 0`);
  if (table.declined[row] === 1) keys.push('declined', `declined: ${table.declineReasons.name(table.declineReason[row] ?? 0) || 'no reason'}`);
  const category = table.category[row] ?? 0;
  if (category !== 0) keys.push(`merchant category ${table.categories.name(category)}`);
  return keys;
}

export function filterPurity(table: EventTable): FilterPurity {
  const matched = new Map<string, number>();
  const fraud = new Map<string, number>();
  const incidents = new Map<string, Set<number>>();
  const allIncidents = new Set<number>();
  let fraudRecords = 0;
  for (let i = 0; i < table.length; i++) {
    const isFraud = table.label[i] !== 0;
    const incident = table.incident[i] ?? 0;
    if (isFraud) {
      fraudRecords++;
      allIncidents.add(incident);
    }
    for (const key of filtersOf(table, i)) {
      matched.set(key, (matched.get(key) ?? 0) + 1);
      if (!isFraud) continue;
      fraud.set(key, (fraud.get(key) ?? 0) + 1);
      let set = incidents.get(key);
      if (!set) incidents.set(key, (set = new Set()));
      set.add(incident);
    }
  }
  const rows: FilterRow[] = [];
  for (const [filter, f] of fraud) {
    const m = matched.get(filter) ?? f;
    const coverage = fraudRecords > 0 ? f / fraudRecords : 0;
    const purity = f / m;
    rows.push({ filter, matched: m, fraud: f, incidents: incidents.get(filter)?.size ?? 0, coverage, purity, giveaway: coverage > GIVEAWAY_COVERAGE && purity > GIVEAWAY_PURITY });
  }
  rows.sort((a, b) => Number(b.giveaway) - Number(a.giveaway) || b.purity - a.purity || b.coverage - a.coverage || a.filter.localeCompare(b.filter));
  const giveaways = rows.filter((r) => r.giveaway);
  const flagged = new Set(giveaways.map((r) => r.filter));
  let unionMatched = 0;
  let unionFraud = 0;
  const unionIncidents = new Set<number>();
  if (flagged.size > 0) {
    for (let i = 0; i < table.length; i++) {
      if (!filtersOf(table, i).some((key) => flagged.has(key))) continue;
      unionMatched++;
      if (table.label[i] === 0) continue;
      unionFraud++;
      unionIncidents.add(table.incident[i] ?? 0);
    }
  }
  return {
    fraudRecords,
    incidents: allIncidents.size,
    rows,
    giveaways,
    union: {
      matched: unionMatched,
      fraud: unionFraud,
      incidents: unionIncidents.size,
      precision: unionMatched > 0 ? unionFraud / unionMatched : 0,
      coverage: fraudRecords > 0 ? unionFraud / fraudRecords : 0,
      incidentCoverage: allIncidents.size > 0 ? unionIncidents.size / allIncidents.size : 0,
    },
  };
}
