// The simulated bank against what a fraud analyst knows of real ones, on a fixed seed: fraud takes about
// 0.1% of the money spent and touches a few percent of customers a year, no one-line filter gives it
// away, and normal card use comes in bursts.
//
// At the default rate a few hundred thousand events hold only a handful of incidents (incidents per event
// do not depend on the population), too few to measure anything. So the stream is generated at
// ELEVATED = 20 × the default rate, and the default's figures are derived from it: money taken and
// customers touched grow in proportion to the number of incidents. Filters are checked at the elevated
// rate itself, where fraud is 20 times denser than by default, which only makes them easier to find.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../src/bank/simulator.ts';
import type { SimEvent } from '../../src/bank/simulator.ts';
import { DEFAULT_FRAUD_RATE } from '../../src/bank/scenarios/fraud.ts';
import { cardBurstShare, fraudIncidencePerYear, fraudValueShare, simpleFilters } from './stream-stats.ts';

const ELEVATED = 20 * DEFAULT_FRAUD_RATE;
const EVENTS = 300_000;

let cached: { sim: Simulator; events: SimEvent[] } | undefined;
function stream(): { sim: Simulator; events: SimEvent[] } {
  if (!cached) {
    const sim = new Simulator({ seed: 'realism', accounts: 1000, fraudRate: ELEVATED, startMs: Date.UTC(2025, 2, 3) });
    cached = { sim, events: sim.take(EVENTS) };
  }
  return cached;
}

test('enough incidents to measure, of every scenario', () => {
  const { events } = stream();
  const incidents = new Map<string, string>();
  for (const event of events) if (event.incident) incidents.set(event.incident, event.label);
  assert.ok(incidents.size >= 50, `${incidents.size} incidents`);
  assert.equal(new Set(incidents.values()).size, 5);
});

test('fraud takes 0.05-0.2% of the money customers spend, at the default rate', () => {
  const share = fraudValueShare(stream().events) * (DEFAULT_FRAUD_RATE / ELEVATED);
  assert.ok(share >= 0.0005 && share <= 0.002, `fraud is ${(share * 100).toFixed(3)}% of outflow value`);
});

test('at most 5% of customers are touched by fraud in a year, at the default rate', () => {
  const { sim, events } = stream();
  // Counting victims, mules and launderers alike, and repeat victims at the elevated rate once each.
  const incidence = fraudIncidencePerYear(events, sim.customers.length) * (DEFAULT_FRAUD_RATE / ELEVATED);
  assert.ok(incidence > 0.002 && incidence <= 0.05, `${(incidence * 100).toFixed(2)}% of customers a year`);
});

test('no simple filter catches more than 2% of fraud records with a purity above 50%', () => {
  const filters = simpleFilters(stream().events);
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
  const share = cardBurstShare(stream().events);
  assert.ok(share >= 0.02 && share <= 0.05, `${(share * 100).toFixed(2)}% in bursts`);
});
