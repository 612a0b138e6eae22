// The simulated bank against what a fraud analyst knows of real ones, on a fixed seed: fraud takes about
// 0.1% of the money spent and touches a few percent of customers a year, no one-line filter gives it
// away, and normal card use comes in bursts.
//
// At the default rate a few hundred thousand events hold only a handful of incidents (incidents per event
// do not depend on the population), too few to measure anything. So money and customers are measured at
// 100 × the default rate and scaled back: both grow in proportion to the number of incidents. Filters are
// checked at 20 × the default rate, where fraud is 20 times denser than by default, which only makes a
// giveaway easier to find.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../src/bank/simulator.ts';
import type { SimEvent } from '../../src/bank/simulator.ts';
import { DEFAULT_FRAUD_RATE, FRAUD_LABELS } from '../../src/bank/scenarios/fraud.ts';
import { cardBurstShare, fraudIncidencePerYear, fraudValueShare, simpleFilters } from './stream-stats.ts';

const streams = new Map<number, { sim: Simulator; events: SimEvent[] }>();
function stream(times: number, count: number): { sim: Simulator; events: SimEvent[] } {
  let cached = streams.get(times);
  if (!cached) {
    const sim = new Simulator({ seed: 'realism', accounts: 1000, fraudRate: times * DEFAULT_FRAUD_RATE, startMs: Date.UTC(2025, 2, 3) });
    cached = { sim, events: sim.take(count) };
    streams.set(times, cached);
  }
  return cached;
}
const dense = (): { sim: Simulator; events: SimEvent[] } => stream(100, 200_000);
const filtered = (): { sim: Simulator; events: SimEvent[] } => stream(20, 300_000);

test('enough incidents to measure, of every scenario', () => {
  for (const [{ events }, least] of [
    [dense(), 150],
    [filtered(), 30],
  ] as const) {
    const incidents = new Map<string, string>();
    for (const event of events) if (event.incident) incidents.set(event.incident, event.label);
    assert.ok(incidents.size >= least, `${incidents.size} incidents`);
    assert.equal(new Set(incidents.values()).size, FRAUD_LABELS.length);
  }
});

test('fraud takes 0.05-0.2% of the money customers spend, at the default rate', () => {
  const share = fraudValueShare(dense().events) / 100;
  assert.ok(share >= 0.0005 && share <= 0.002, `fraud is ${(share * 100).toFixed(3)}% of outflow value`);
});

test('at most 5% of customers are touched by fraud in a year, at the default rate', () => {
  const { sim, events } = dense();
  const incidence = fraudIncidencePerYear(events, sim.customers.length) / 100;
  assert.ok(incidence > 0.002 && incidence <= 0.05, `${(incidence * 100).toFixed(2)}% of customers a year`);
});

test('no simple filter catches more than 2% of fraud records with a purity above 50%', () => {
  const filters = simpleFilters(filtered().events);
  // The scan is real: it has the amount, hour, channel and balance filters, with and without type.
  for (const name of ['amount 0..1', 'hour 3', 'hours 0-2', 'channel online', 'withdraw card amount 0..1', 'withdraw online hours 0-2', 'balance = 0', 'withdraw balance <= 0']) {
    assert.ok(filters.some((f) => f.name === name), `no filter ${name}`);
  }
  const giveaways = filters.filter((f) => f.coverage > 0.02 && f.purity > 0.5);
  assert.deepEqual(
    giveaways.map((f) => `${f.name}: ${f.fraud}/${f.matched}`),
    [],
  );
});

test('2-5% of normal card purchases follow the previous one within 60 s', () => {
  const share = cardBurstShare(filtered().events);
  assert.ok(share >= 0.02 && share <= 0.05, `${(share * 100).toFixed(2)}% in bursts`);
});
