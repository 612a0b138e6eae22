// The ring that carries a simulator's events to another thread (event-ring.ts), writer and reader on one
// thread here: a ring a few records long wraps and fills many times over, and every event read back
// must be the event written (fields, key, label, incident, headers, value and its record bytes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventRing, EventRingReader, EventRingWriter } from '../../src/bank/event-ring.ts';
import { EventContext, incidentHeaders, SimEvent } from '../../src/bank/sim-event.ts';
import { Simulator } from '../../src/bank/simulator.ts';

const START = Date.UTC(2025, 0, 6);

function sameEvent(read: SimEvent, written: SimEvent, i: number): void {
  const fields = (e: SimEvent) => ({ atMs: e.atMs, seq: e.seq, key: e.key, accountIndex: e.accountIndex, type: e.type, amount: e.amount, balance: e.balance, channel: e.channel, counterparty: e.counterparty, category: e.category, declined: e.declined, label: e.label, incident: e.incident, headers: e.headers, value: e.value });
  assert.deepEqual(fields(read), fields(written), `event ${i}`);
  assert.deepEqual(read.encodeValue(), written.encodeValue(), `event ${i}: record value`);
}

// Writes the stream through a ring of 256 words (about 25 records), filling and draining it in turn, with
// both counters starting at `counter`; every event read must be the one written. `extra` makes every
// seventh event one of its own, between the simulator's.
function roundTrip(counter: number, extra?: (i: number, context: EventContext) => SimEvent): Record<string, number> {
  const sim = new Simulator({ seed: 'ring', accounts: 400, fraudRate: 'demo', startMs: START });
  const ring = createEventRing(256);
  const control = new Int32Array(ring, 0, 2);
  control[0] = counter; // written
  control[1] = counter; // read
  const writer = new EventRingWriter(ring);
  const context = new EventContext(sim.idPrefix, sim.currency);
  const reader = new EventRingReader(ring, context);
  const seen = { text: 0, merchant: 0, incident: 0, declined: 0, savings: 0, fills: 0 };
  let written = 0;
  let read = 0;
  const pending: SimEvent[] = [];
  const next = () => (extra && written % 7 === 3 ? extra(written, context) : sim.nextEvent());
  while (written < 30_000) {
    // Fill the ring, then drain it: the writer must refuse when full and lose nothing.
    let event = next();
    while (writer.tryAppend(event)) {
      pending.push(event);
      written++;
      event = next();
    }
    seen.fills++;
    writer.publish();
    for (let got = reader.tryNext(); got !== undefined; got = reader.tryNext()) {
      const expected = pending.shift() as SimEvent;
      sameEvent(got, expected, read++);
      if (typeof got.counterparty === 'string') seen.text++;
      if (typeof got.counterparty === 'number') seen.merchant++;
      if (got.incident !== undefined) seen.incident++;
      if (got.declined !== undefined) seen.declined++;
      if (got.accountType === 'savings') seen.savings++;
    }
    reader.publish();
    assert.equal(pending.length, 0, 'everything published was read');
    // The event refused when the ring was full goes first next time.
    assert.ok(writer.tryAppend(event));
    pending.push(event);
    written++;
  }
  assert.ok(seen.fills > 1000, `the ring filled ${seen.fills} times`);
  for (const [what, count] of Object.entries(seen)) assert.ok(count > 0, `the stream had events with ${what}`);
  return seen;
}

test('every event read is the event written, across wraps and a full ring', () => {
  roundTrip(0);
});

test('counters wrap as 32-bit integers: past 2^31 and past 0', () => {
  roundTrip(2 ** 31 - 300); // stored as an Int32: the counters start just below the largest one
  roundTrip(-300);
});

test('records of the largest size, ids of 255 characters, anywhere in the ring', () => {
  const id = `inc-${'7'.repeat(251)}`;
  const incident = { id, label: 'app_scam' as const, headers: incidentHeaders(id, 'app_scam') };
  const seen = roundTrip(0, (i, context) => new SimEvent(context, i, START + i, i % 400, 'checking', 100_00, 0, 'withdraw', 20_00, -80_00, 'online', `EXT-${String(i).padStart(251, '0')}`, undefined, undefined, incident));
  assert.ok((seen.incident ?? 0) > 4000, `${seen.incident} records with an incident`);
});

test('the reader waits for records and says why none will come', () => {
  const ring = createEventRing(256);
  const writer = new EventRingWriter(ring);
  const reader = new EventRingReader(ring, new EventContext('tx-00000000-', 'USD'));
  assert.equal(reader.tryNext(), undefined);
  assert.throws(() => reader.next(50), /the simulator's thread sent no event for 0.05 s/);
  writer.fail('RangeError: something broke');
  assert.throws(() => reader.next(50), /the simulator's thread failed: RangeError: something broke/);
});

test('a closed ring stops the writer instead of leaving it waiting for room', () => {
  const sim = new Simulator({ seed: 'ring', accounts: 50, startMs: START });
  const ring = createEventRing(256);
  const writer = new EventRingWriter(ring);
  const reader = new EventRingReader(ring, new EventContext(sim.idPrefix, sim.currency));
  let appended = 0;
  while (writer.tryAppend(sim.nextEvent())) appended++;
  assert.ok(appended > 0);
  reader.close();
  assert.equal(writer.append(sim.nextEvent()), false);
  assert.throws(() => reader.next(50), /the simulator has been closed/);
});

test('ids the ring cannot carry are refused, not cut', () => {
  const ring = createEventRing(256);
  const writer = new EventRingWriter(ring);
  const context = new EventContext('tx-00000000-', 'USD');
  const withCounterparty = (counterparty: string) => new SimEvent(context, 0, START, 0, 'checking', 100_00, 0, 'withdraw', 20_00, 80_00, 'online', counterparty, undefined, undefined, undefined);
  const reader = new EventRingReader(ring, context);
  assert.throws(() => writer.tryAppend(withCounterparty('X'.repeat(256))), /id longer than 255 characters/);
  assert.throws(() => writer.tryAppend(withCounterparty('CHK-é')), /id is not ASCII/);
  assert.throws(() => writer.tryAppend(Object.assign(withCounterparty('CHK-1'), { type: 'refund' })), /no code for "refund"/);
  // Nothing of the refused events was written.
  writer.publish();
  assert.equal(reader.tryNext(), undefined);
  assert.throws(() => createEventRing(1000), /power of two/);
});
