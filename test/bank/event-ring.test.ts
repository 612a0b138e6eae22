// The ring that carries a simulator's events to another thread (event-ring.ts), writer and reader on one
// thread here: a ring a few records long wraps and fills many times over, and every event read back
// must be the event written (fields, key, label, incident, headers, value and its record bytes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventRing, EventRingReader, EventRingWriter } from '../../src/bank/event-ring.ts';
import { EventContext, SimEvent } from '../../src/bank/sim-event.ts';
import { Simulator } from '../../src/bank/simulator.ts';

const START = Date.UTC(2025, 0, 6);

function sameEvent(read: SimEvent, written: SimEvent, i: number): void {
  const fields = (e: SimEvent) => ({ atMs: e.atMs, seq: e.seq, key: e.key, accountIndex: e.accountIndex, type: e.type, amount: e.amount, balance: e.balance, channel: e.channel, counterparty: e.counterparty, category: e.category, declined: e.declined, label: e.label, incident: e.incident, headers: e.headers, value: e.value });
  assert.deepEqual(fields(read), fields(written), `event ${i}`);
  assert.deepEqual(read.encodeValue(), written.encodeValue(), `event ${i}: record value`);
}

test('every event read is the event written, across wraps and a full ring', () => {
  const sim = new Simulator({ seed: 'ring', accounts: 400, fraudRate: 'demo', startMs: START });
  const ring = createEventRing(256);
  const writer = new EventRingWriter(ring);
  const reader = new EventRingReader(ring, new EventContext(sim.idPrefix, sim.currency));
  const seen = { text: 0, merchant: 0, incident: 0, declined: 0, savings: 0, fills: 0 };
  let written = 0;
  let read = 0;
  const pending: SimEvent[] = [];
  while (written < 30_000) {
    // Fill the ring, then drain it: the writer must refuse when full and lose nothing.
    let event = sim.nextEvent();
    while (writer.tryAppend(event)) {
      pending.push(event);
      written++;
      event = sim.nextEvent();
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
  const writer = new EventRingWriter(createEventRing(256));
  const context = new EventContext('tx-00000000-', 'USD');
  const withCounterparty = (counterparty: string) => new SimEvent(context, 0, START, 0, 'checking', 100_00, 0, 'withdraw', 20_00, 80_00, 'online', counterparty, undefined, undefined, undefined);
  assert.ok(writer.tryAppend(withCounterparty('X'.repeat(255))));
  assert.throws(() => writer.tryAppend(withCounterparty('X'.repeat(256))), /id longer than 255 characters/);
  assert.throws(() => writer.tryAppend(withCounterparty('CHK-é')), /id is not ASCII/);
  assert.throws(() => createEventRing(1000), /power of two/);
});
