import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../../src/bank/simulator.ts';
import type { SimEvent } from '../../../src/bank/simulator.ts';
import { DEFAULT_FRAUD_RATE, FRAUD_LABELS, FraudPlanner } from '../../../src/bank/scenarios/fraud.ts';
import { createPopulation } from '../../../src/bank/customers.ts';
import { World } from '../../../src/bank/counterparties.ts';
import { Rng } from '../../../src/bank/rng.ts';
import { SIM_INCIDENT_HEADER, SIM_LABEL_HEADER } from '../../../src/bank/transaction.ts';

const START = Date.UTC(2025, 2, 3);
const HOUR_MS = 3_600_000;

let cached: SimEvent[] | undefined;
// 100 times the default rate (1.5 incidents per customer a year), so every scenario shows up many times.
function demoStream(): SimEvent[] {
  cached ??= new Simulator({ seed: 'fraud', accounts: 1000, fraudRate: 100 * DEFAULT_FRAUD_RATE, startMs: START }).take(200_000);
  return cached;
}

function byIncident(events: readonly SimEvent[]): Map<string, SimEvent[]> {
  const incidents = new Map<string, SimEvent[]>();
  for (const event of events) {
    if (!event.incident) continue;
    const list = incidents.get(event.incident) ?? [];
    list.push(event);
    incidents.set(event.incident, list);
  }
  return incidents;
}

// Incidents of the label that lie wholly inside the stream: the ones the simulator began during its
// warm-up (up to ten days before the start, some lasting two weeks) show only their end, the ones that
// begin in the last days only their start.
function ofLabel(events: readonly SimEvent[], label: string): SimEvent[][] {
  const from = START + 16 * 24 * HOUR_MS;
  const until = Date.parse((events.at(-1) as SimEvent).value.timestamp) - 20 * 24 * HOUR_MS;
  return [...byIncident(events).values()].filter((list) => {
    const at = Date.parse((list[0] as SimEvent).value.timestamp);
    return list[0]?.label === label && at >= from && at <= until;
  });
}

test('every scenario occurs; every fraud record carries its incident id, normal records none, the payload neither', () => {
  const events = demoStream();
  for (const event of events) {
    if (event.label === 'normal') {
      assert.equal(event.incident, undefined);
      assert.equal(event.headers[SIM_INCIDENT_HEADER], undefined);
    } else {
      assert.ok(event.incident);
      assert.equal(event.headers[SIM_INCIDENT_HEADER], event.incident);
      assert.equal(event.headers[SIM_LABEL_HEADER], event.label);
      const payload = JSON.stringify(event.value);
      assert.ok(!payload.includes(event.label) && !payload.includes(event.incident), 'ground truth leaked into the payload');
    }
  }
  const incidents = byIncident(events);
  for (const label of FRAUD_LABELS) assert.ok(ofLabel(events, label).length >= (label === 'structuring' ? 2 : 5), `${label}: too few incidents`);
  // One label per incident.
  for (const [id, list] of incidents) assert.equal(new Set(list.map((e) => e.label)).size, 1, id);
});

test('account takeover: a look at the balance, transfers to a new payee, the mule side in the same incident', () => {
  const incidents = ofLabel(demoStream(), 'account_takeover');
  let viaMule = 0;
  for (const list of incidents) {
    const victim = (list[0] as SimEvent).value.customer_id;
    assert.equal((list[0] as SimEvent).value.transaction_type, 'current_balance');
    const drains = list.filter((e) => e.value.customer_id === victim && e.value.transaction_type === 'withdraw');
    assert.ok(drains.every((e) => e.value.channel === 'online' || e.value.channel === 'p2p'));
    const muleSide = list.filter((e) => e.value.customer_id !== victim);
    if (muleSide.length > 0) {
      viaMule++;
      // The mule receives what the victim sent, from the victim's account, and moves it on.
      assert.ok(muleSide.some((e) => e.value.transaction_type === 'deposit' && e.value.counterparty_id === (list[0] as SimEvent).value.account_id));
      assert.ok(muleSide.some((e) => e.value.transaction_type === 'withdraw'));
    }
  }
  assert.ok(viaMule > incidents.length / 3, `${viaMule} of ${incidents.length} takeovers paid to mules`);
});

test('card testing: small charges at online merchants, then dearer goods or everyday ones, then a blocked card and a refund', () => {
  const events = demoStream();
  const incidents = ofLabel(events, 'card_testing');
  const blocked = new Set<string>();
  const refunded = new Set<string>();
  for (const event of events) {
    if (event.label === 'normal' && event.value.decline_reason === 'card_blocked') blocked.add(event.value.customer_id);
    if (event.label === 'normal' && event.value.transaction_type === 'deposit' && event.value.channel === 'system') refunded.add(event.value.customer_id);
  }
  let refunds = 0;
  let longer = 0;
  let dearer = 0;
  for (const list of incidents) {
    assert.ok(list.every((e) => e.value.channel === 'card' && e.value.counterparty_id?.startsWith('MER-') && e.value.merchant_category));
    const first = list[0] as SimEvent;
    assert.ok(first.value.amount <= 60, `first charge ${first.value.amount}`);
    if (list.length > 3) {
      longer++;
      // The quiet cash-out buys at the victim's usual size, which for a small spender can stay near a test charge.
      if (Math.max(...list.slice(1).map((e) => e.value.amount)) > 2 * first.value.amount) dearer++;
    }
    if (refunded.has(first.value.customer_id)) refunds++;
  }
  assert.ok(dearer > longer / 2, `${dearer} of ${longer} incidents go on to dearer purchases`);
  assert.ok(refunds > incidents.length / 3, `${refunds} of ${incidents.length} victims paid back`);
  assert.ok(blocked.size > 0, 'a victim tries a blocked card');
});

test('cloned card: every victim paid days before at a skimmed shop, most at one where other victims paid too; the copy buys in person; paid back', () => {
  const events = demoStream();
  // The copy is used 2-21 days after the card was read; only incidents late enough for that purchase to
  // be in the stream (not in the unseen warm-up) are checked.
  const incidents = ofLabel(events, 'card_cloned').filter((list) => Date.parse((list[0] as SimEvent).value.timestamp) >= START + 22 * 24 * HOUR_MS);
  assert.ok(incidents.length >= 10, `${incidents.length} cloned cards`);
  const inPerson = new Set(['grocery', 'restaurant', 'fuel', 'entertainment', 'health']);
  const skimmedAt = new Set(['grocery', 'restaurant', 'fuel']);
  const shopsOf = (account: string, from: number, until: number): Set<string> => {
    const shops = new Set<string>();
    for (const e of events) {
      if (e.atMs < from || e.atMs > until || e.value.account_id !== account || e.label !== 'normal') continue;
      if (e.value.channel === 'card' && e.value.status === undefined && skimmedAt.has(e.value.merchant_category ?? '')) shops.add(e.value.counterparty_id ?? '');
    }
    return shops;
  };
  const refunded = new Set(events.filter((e) => e.label === 'normal' && e.value.transaction_type === 'deposit' && e.value.channel === 'system').map((e) => e.value.account_id));
  const shopsPerVictim: Set<string>[] = [];
  let refunds = 0;
  for (const list of incidents) {
    const first = list[0] as SimEvent;
    assert.ok(list.length <= 4 && list.every((e) => e.value.account_id === first.value.account_id && e.value.transaction_type === 'withdraw' && e.value.channel === 'card'));
    assert.ok(list.every((e) => e.value.counterparty_id?.startsWith('MER-') && inPerson.has(e.value.merchant_category ?? '')), 'in person, in everyday shops');
    const shops = shopsOf(first.value.account_id, first.atMs - 22 * 24 * HOUR_MS, first.atMs - 2 * 24 * HOUR_MS + 60_000);
    assert.ok(shops.size > 0, `${first.value.account_id} paid at no skimmed shop before its copy was used`);
    shopsPerVictim.push(shops);
    if (refunded.has(first.value.account_id)) refunds++;
  }
  // A common point of compromise: a shop where another victim paid in the same weeks.
  const shared = shopsPerVictim.filter((shops, i) => shopsPerVictim.some((other, j) => j !== i && [...shops].some((shop) => other.has(shop)))).length;
  assert.ok(shared > incidents.length / 2, `${shared} of ${incidents.length} victims share a shop with another`);
  assert.ok(refunds > incidents.length / 2, `${refunds} of ${incidents.length} victims paid back`);
});

test('push-payment scam: the victim pays someone never paid before in the stream', () => {
  const events = demoStream();
  const incidents = ofLabel(events, 'app_scam');
  let checked = 0;
  for (const list of incidents) {
    const victim = (list[0] as SimEvent).value.account_id;
    const payment = list.find((e) => e.value.account_id === victim && e.value.transaction_type === 'withdraw');
    if (!payment) continue;
    assert.ok(payment.value.channel === 'online' || payment.value.channel === 'p2p');
    const before = events.slice(0, events.indexOf(payment));
    assert.ok(!before.some((e) => e.value.account_id === victim && e.value.counterparty_id === payment.value.counterparty_id), `${payment.value.counterparty_id} paid before`);
    checked++;
  }
  assert.ok(checked >= 5, `${checked} scams checked`);
});

test('mule network: money from several outside senders comes in and goes out again within hours', () => {
  for (const list of ofLabel(demoStream(), 'mule_network')) {
    const mule = (list[0] as SimEvent).value.account_id;
    const arrivals = list.filter((e) => e.value.account_id === mule && e.value.transaction_type === 'deposit');
    assert.ok(arrivals.length >= 2 || list.length < 4);
    assert.ok(arrivals.every((e) => e.value.counterparty_id?.startsWith('EXT-')));
    assert.equal(new Set(arrivals.map((e) => e.value.counterparty_id)).size, arrivals.length, 'fan-in: each arrival from someone else');
    const outs = list.filter((e) => e.value.transaction_type === 'withdraw' && e.value.status !== 'declined');
    if (outs.length === 0) continue;
    const firstIn = Date.parse((arrivals[0] as SimEvent).value.timestamp);
    const firstOut = Date.parse((outs[0] as SimEvent).value.timestamp);
    assert.ok(firstOut - firstIn < 30 * HOUR_MS, 'rapid in-out');
  }
});

test('structuring: cash paid in below $10,000 at a time, more than that in total, then sent on', () => {
  const incidents = ofLabel(demoStream(), 'structuring');
  for (const list of incidents) {
    const cash = list.filter((e) => e.value.transaction_type === 'deposit');
    assert.ok(cash.every((e) => (e.value.channel === 'branch' || e.value.channel === 'atm') && e.value.amount < 10_000));
  }
  const complete = incidents.filter((list) => list.some((e) => e.value.transaction_type === 'withdraw'));
  assert.ok(complete.length > 0);
  for (const list of complete) assert.ok(list.filter((e) => e.value.transaction_type === 'deposit').reduce((s, e) => s + e.value.amount, 0) > 10_000);
});

test('switching fraud on does not change who the customers are', () => {
  const clean = new Simulator({ seed: 'population', accounts: 500, fraudRate: 0, startMs: START });
  const fraudulent = new Simulator({ seed: 'population', accounts: 500, fraudRate: 'demo', startMs: START });
  assert.deepEqual(
    clean.customers.map((c) => c.id),
    fraudulent.customers.map((c) => c.id),
  );
  assert.deepEqual(
    clean.customers.map((c) => c.monthlyNetIncome),
    fraudulent.customers.map((c) => c.monthlyNetIncome),
  );
});

test('the planner rejects rates that are not "demo" or 0..100000 incidents per 1,000 customers a year', () => {
  const customers = createPopulation(new Rng(1), 10);
  const world = new World(new Rng(2), customers.length);
  for (const rate of [-0.1, 100_001, Number.NaN]) assert.throws(() => new FraudPlanner(new Rng(1), customers, world, rate), /"demo" or between 0 and 100000/);
});
