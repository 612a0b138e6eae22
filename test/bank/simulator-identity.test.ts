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
  assert.equal(hash, '202da128f9872472292c24f635beaba3d0de2ed544a1247635eb240f33bfa791');
});

test('a bank with heavy fraud (every scenario, mule side included) generates the recorded stream', () => {
  const { hash, fraud } = streamHash({ seed: 'identity-fraud', accounts: 3_000, fraudRate: 20_000, startMs: START });
  assert.ok(fraud > 5_000, `fraud records: ${fraud}`);
  assert.equal(hash, 'd932b8f57448183c30d97c7a2c771e054d894f1468b96911df35e5d1950fd946');
});
