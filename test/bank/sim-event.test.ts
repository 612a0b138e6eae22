// SimEvent.encodeValue writes the record value without JSON.stringify: these pin its bytes to
// JSON.stringify(event.value) on every event of two seeded banks (every message shape, fraud included),
// with the simulator's timestamp and with the clock moved (the producer's shift), and its amounts to JSON's numbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../src/bank/simulator.ts';
import type { SimulatorOptions } from '../../src/bank/simulator.ts';
import { majorJson } from '../../src/bank/sim-event.ts';

const START = Date.UTC(2025, 0, 6);

function checkStream(options: SimulatorOptions, events: number): { declined: number; counterparty: number; fraud: number } {
  const sim = new Simulator(options);
  let declined = 0;
  let counterparty = 0;
  let fraud = 0;
  // Values are views into shared slabs: the early ones must still hold their bytes at the end.
  const kept: [Buffer, string][] = [];
  for (let i = 0; i < events; i++) {
    const event = sim.nextEvent();
    const json = JSON.stringify(event.value);
    const bytes = event.encodeValue();
    if (bytes.toString('utf8') !== json) assert.fail(`event ${i}: encodeValue wrote\n${bytes.toString('utf8')}\nJSON.stringify wrote\n${json}`);
    assert.equal(bytes.length, Buffer.byteLength(json));
    if (i < 5_000) kept.push([bytes, json]);
    if (i % 97 === 0) {
      const shiftMs = 6 * 365 * 24 * 3_600_000 + 12_345;
      const moved = new Date(Math.floor(event.atMs) + shiftMs).toISOString();
      assert.equal(event.encodeValue(shiftMs).toString('utf8'), JSON.stringify({ ...event.value, timestamp: moved }));
    }
    if (event.value.status === 'declined') declined++;
    if (event.value.counterparty_id !== undefined) counterparty++;
    if (event.label !== 'normal') fraud++;
  }
  for (const [bytes, json] of kept) assert.equal(bytes.toString('utf8'), json);
  return { declined, counterparty, fraud };
}

test('encodeValue writes JSON.stringify(value) for every event of the default bank', () => {
  const seen = checkStream({ seed: 'encode', accounts: 5_000, fraudRate: 20, startMs: START }, 100_000);
  assert.ok(seen.declined > 0 && seen.counterparty > 0, JSON.stringify(seen));
});

test('encodeValue writes JSON.stringify(value) for every event of a bank with heavy fraud, in another currency', () => {
  const seen = checkStream({ seed: 'encode-fraud', accounts: 3_000, fraudRate: 20_000, startMs: START, currency: 'EUR' }, 60_000);
  assert.ok(seen.fraud > 1_000, JSON.stringify(seen));
});

test('majorJson prints cents as JSON prints cents / 100', () => {
  const cases = [0, -0, 1, -1, 5, -5, 10, -10, 99, 100, 101, 110, -110, 12_345, -12_345, 800_00, 2 ** 31, -(2 ** 31) - 7, 123_456_789_012, 999_999_999_999_999, 1e15, -1e15, 2 ** 53, 12.5, -0.25, 1e21];
  for (const cents of cases) assert.equal(majorJson(cents), JSON.stringify(cents / 100), `cents ${cents}`);
});

test('value is built once per event', () => {
  const event = new Simulator({ seed: 'encode', accounts: 50, startMs: START }).nextEvent();
  assert.equal(event.value, event.value);
  assert.equal(Math.round(event.value.amount * 100), event.amount);
});
