// The simulator's output, pinned byte for byte: a hash of the first 200,000 events (key, simulated time,
// label, incident, headers and the JSON value as JSON.stringify writes it) for two seeded banks. Speed
// work on src/bank must leave these hashes alone; a change to what is generated (new behaviour, a
// scenario retuned) changes them on purpose, and then the new hashes the failure prints are recorded
// here in the same commit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Simulator } from '../../src/bank/simulator.ts';
import type { SimulatorOptions } from '../../src/bank/simulator.ts';

const EVENTS = 200_000;
const START = Date.UTC(2025, 0, 6);

function streamHash(options: SimulatorOptions): { hash: string; fraud: number } {
  const sim = new Simulator(options);
  const hash = createHash('sha256');
  let fraud = 0;
  for (let i = 0; i < EVENTS; i++) {
    const event = sim.nextEvent();
    if (event.label !== 'normal') fraud++;
    const headers = Object.entries(event.headers).map(([k, v]) => `${k}=${v}`).join(',');
    hash.update(`${event.key}|${event.atMs}|${event.label}|${event.incident ?? ''}|${headers}|${JSON.stringify(event.value)}\n`);
  }
  return { hash: hash.digest('hex'), fraud };
}

test('the default bank (default fraud rate) generates the recorded stream', () => {
  const { hash } = streamHash({ seed: 'identity', accounts: 20_000, fraudRate: 20, startMs: START });
  assert.equal(hash, '6f5c306baa11de2de1d63e92c305fc40a2ac6679566b5d37368899f477b6e42c');
});

test('a bank with heavy fraud (every scenario, mule side included) generates the recorded stream', () => {
  const { hash, fraud } = streamHash({ seed: 'identity-fraud', accounts: 3_000, fraudRate: 20_000, startMs: START });
  assert.ok(fraud > 5_000, `fraud records: ${fraud}`);
  assert.equal(hash, '4fa08543455a5ac34ab4b8ef7c2c4d26d684370af468b458f313bf5f9cf805ba');
});
