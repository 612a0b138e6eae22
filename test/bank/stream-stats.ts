// Measures of a simulated stream that a fraud analyst would check first: how much of the money fraud
// takes, how many customers it touches, whether one simple filter gives it away, and whether normal card
// use comes in bursts. Shared by the simulator's realism tests.

import type { SimEvent } from '../../src/bank/simulator.ts';
import { majorToCents } from '../../src/bank/money.ts';

const DAY_MS = 86_400_000;

function isOutflow(event: SimEvent): boolean {
  return event.value.transaction_type === 'withdraw' && event.value.status !== 'declined';
}

// Fraud-labelled share of the money that left customers' accounts (approved withdrawals).
export function fraudValueShare(events: readonly SimEvent[]): number {
  let fraud = 0;
  let total = 0;
  for (const event of events) {
    if (!isOutflow(event)) continue;
    const cents = majorToCents(event.value.amount);
    total += cents;
    if (event.label !== 'normal') fraud += cents;
  }
  return total === 0 ? 0 : fraud / total;
}

export function spanDays(events: readonly SimEvent[]): number {
  const first = Date.parse(events[0]?.value.timestamp ?? '');
  const last = Date.parse(events.at(-1)?.value.timestamp ?? '');
  return (last - first) / DAY_MS;
}

// Customers touched by fraud per customer per year of simulated time: for each incident the customers
// with a record of it (victims, and mules and launderers too), summed over incidents. A customer hit twice
// counts twice, so this bounds the share of customers victimised from above, and it grows in proportion
// to the number of incidents.
export function fraudIncidencePerYear(events: readonly SimEvent[], customers: number): number {
  const touched = new Set<string>();
  for (const event of events) if (event.incident !== undefined) touched.add(`${event.incident} ${event.value.customer_id}`);
  return touched.size / customers / (spanDays(events) / 365.25);
}

export interface FilterResult {
  readonly name: string;
  readonly matched: number;
  readonly fraud: number;
  readonly coverage: number; // share of all fraud records the filter catches
  readonly purity: number; // share of the records it catches that are fraud
}

const AMOUNT_EDGES = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000];

function amountBand(amount: number): string {
  let i = AMOUNT_EDGES.length - 1;
  while (i > 0 && amount < (AMOUNT_EDGES[i] ?? 0)) i--;
  return `amount ${AMOUNT_EDGES[i]}..${AMOUNT_EDGES[i + 1] ?? 'inf'}`;
}

// The simple one-line filters an analyst tries first: amount bands, hour-of-day bands (single hours and
// three-hour windows), channels, a balance left at exactly 0 or below, and each of them per transaction
// type and channel, so "card purchases under $1" or "online withdrawals at night" are covered.
export function simpleFilters(events: readonly SimEvent[]): FilterResult[] {
  const counts = new Map<string, { matched: number; fraud: number }>();
  let fraudTotal = 0;
  const add = (name: string, fraud: boolean) => {
    let c = counts.get(name);
    if (!c) {
      c = { matched: 0, fraud: 0 };
      counts.set(name, c);
    }
    c.matched++;
    if (fraud) c.fraud++;
  };
  for (const event of events) {
    const tx = event.value;
    const fraud = event.label !== 'normal';
    if (fraud) fraudTotal++;
    const hour = Number(tx.timestamp.slice(11, 13));
    const features = [amountBand(tx.amount), `hour ${hour}`, `hours ${hour - (hour % 3)}-${hour - (hour % 3) + 2}`, `channel ${tx.channel}`];
    if (tx.balance === 0) features.push('balance = 0');
    if (tx.balance <= 0) features.push('balance <= 0');
    for (const feature of features) {
      add(feature, fraud);
      add(`${tx.transaction_type} ${feature}`, fraud);
      if (!feature.startsWith('channel')) add(`${tx.transaction_type} ${tx.channel} ${feature}`, fraud);
    }
  }
  return [...counts].map(([name, c]) => ({ name, matched: c.matched, fraud: c.fraud, coverage: fraudTotal === 0 ? 0 : c.fraud / fraudTotal, purity: c.fraud / c.matched }));
}

// Share of normal approved card purchases that come within 60 s of the same account's previous card
// purchase.
export function cardBurstShare(events: readonly SimEvent[]): number {
  const last = new Map<string, number>();
  let purchases = 0;
  let bursts = 0;
  for (const event of events) {
    const tx = event.value;
    if (event.label !== 'normal' || tx.channel !== 'card' || tx.transaction_type !== 'withdraw' || tx.status === 'declined') continue;
    const at = Date.parse(tx.timestamp);
    const previous = last.get(tx.account_id);
    purchases++;
    if (previous !== undefined && at - previous <= 60_000) bursts++;
    last.set(tx.account_id, at);
  }
  return purchases === 0 ? 0 : bursts / purchases;
}
