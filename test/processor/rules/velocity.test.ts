import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { velocity } from '../../../src/processor/rules/velocity.ts';
import { firedIds, runRule, T0, tx } from '../helpers.ts';

const config = { enabled: true, count: 3, windowSec: 60 };
const at = (sec: number, type: NormalizedTx['type'] = 'withdraw'): Partial<NormalizedTx> => ({ type, timestampMs: T0 + sec * 1000 });

const cases: Array<{ name: string; steps: Array<Partial<NormalizedTx>>; fired: string[] }> = [
  { name: 'three withdrawals in a minute fire', steps: [at(0), at(10), at(20)], fired: ['t2'] },
  { name: 'spread wider than the window does not', steps: [at(0), at(30), at(61)], fired: [] },
  { name: 'the window is (now - T, now]: exactly T ago has left', steps: [at(0), at(30), at(60)], fired: [] },
  { name: 'other types do not count', steps: [at(0), at(1, 'deposit'), at(2), at(3, 'current_balance'), at(4)], fired: ['t4'] },
  { name: 'after firing the count starts again', steps: [at(0), at(1), at(2), at(3), at(4), at(5), at(6)], fired: ['t2', 't5'] },
  { name: 'a late event inside the window counts', steps: [at(100), at(101), at(50)], fired: ['t2'] },
  { name: 'a late event outside the window does not', steps: [at(200), at(201), at(50), at(202)], fired: ['t3'] },
];

for (const c of cases) {
  test(`velocity: ${c.name}`, () => {
    assert.deepEqual(firedIds(runRule(velocity, velocity.initialState(), config, c.steps)), c.fired);
  });
}

test('velocity alert reports count and span; state stays under count', () => {
  let state = velocity.initialState();
  const alerts = runRule(velocity, state, config, [at(0), at(10), at(25)]);
  const alert = alerts[2];
  assert.ok(alert);
  assert.equal(alert.severity, 'MEDIUM');
  assert.deepEqual(alert.observed, { withdrawals: 3, span_ms: 25_000 });
  assert.deepEqual(alert.threshold, { count: 3, window_sec: 60 });
  for (let i = 0; i < 50; i++) {
    state = velocity.evaluate(tx({ transactionId: `x${i}`, timestampMs: T0 + i * 1000 }), state, config).state;
    assert.ok(state.withdrawalTimesMs.length < config.count);
  }
});
