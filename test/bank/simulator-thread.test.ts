// SimulatorThread (the world on a thread of its own, what `buzzline produce` uses) must give exactly the
// in-process Simulator's stream: the same events, keys, labels, incidents and record bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulator } from '../../src/bank/simulator.ts';
import type { SimulatorOptions } from '../../src/bank/simulator.ts';
import { SimulatorThread } from '../../src/bank/simulator-thread.ts';

const START = Date.UTC(2025, 0, 6);

async function sameStream(options: SimulatorOptions, events: number): Promise<number> {
  const local = new Simulator(options);
  const thread = await SimulatorThread.start(options);
  let fraud = 0;
  try {
    assert.equal(thread.idPrefix, local.idPrefix);
    for (let i = 0; i < events; i++) {
      const a = local.nextEvent();
      const b = thread.nextEvent();
      if (!a.encodeValue().equals(b.encodeValue())) assert.fail(`event ${i}: the thread wrote\n${b.encodeValue().toString()}\nin-process\n${a.encodeValue().toString()}`);
      assert.equal(b.atMs, a.atMs);
      assert.equal(b.key, a.key);
      assert.equal(b.accountIndex, a.accountIndex);
      assert.equal(b.label, a.label);
      assert.equal(b.incident, a.incident);
      assert.deepEqual(b.headers, a.headers);
      if (a.label !== 'normal') fraud++;
    }
  } finally {
    await thread.close();
  }
  return fraud;
}

test('the thread gives the in-process stream of the default bank', async () => {
  await sameStream({ seed: 'thread', accounts: 2_000, fraudRate: 20, startMs: START }, 60_000);
});

test('the thread gives the in-process stream of a bank with heavy fraud, in another currency', async () => {
  const fraud = await sameStream({ seed: 7, accounts: 800, fraudRate: 'demo', startMs: START, currency: 'EUR' }, 60_000);
  assert.ok(fraud > 100, `${fraud} fraud records compared`);
});

test('options the simulator refuses are refused by start, with the same error', async () => {
  await assert.rejects(SimulatorThread.start({ seed: 1, accounts: 0 }), { name: 'RangeError', message: /accounts must be an integer >= 1/ });
  await assert.rejects(SimulatorThread.start({ seed: 1, fraudRate: -0.1 }), /fraud rate must be "demo" or between 0 and 100000/);
});

test('a closed simulator says so instead of waiting', async () => {
  const thread = await SimulatorThread.start({ seed: 1, accounts: 100, startMs: START });
  thread.nextEvent();
  await thread.close();
  assert.throws(() => thread.nextEvent(), /the simulator has been closed/);
  await thread.close(); // twice is fine
});
