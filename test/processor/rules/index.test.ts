import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG, type RulesConfig } from '../../../src/processor/config.ts';
import { evaluate, initialAccountState, type AccountState, type SeenTransaction } from '../../../src/processor/rules/index.ts';
import { T0, tx } from '../helpers.ts';

function rules(patch: (r: RulesConfig) => void = () => {}): RulesConfig {
  const r = structuredClone(DEFAULT_CONFIG.rules);
  patch(r);
  return r;
}

test('alerts of one transaction come out in rule order', () => {
  // 500.00 -> -20.00 in one withdrawal: below the low-balance line, overdrawn, and a drain.
  const before: AccountState = { ...initialAccountState(), low_balance: { lastBalanceCents: 500_00 }, overdraft: { lastBalanceCents: 500_00 }, drain: { lastBalanceCents: 500_00 } };
  const out = evaluate(tx({ transactionId: 'X', amountCents: 520_00, balanceCents: -20_00 }), before, undefined, rules());
  assert.deepEqual(out.alerts.map((a) => a.id), ['X:low_balance', 'X:overdraft', 'X:drain']);
});

test('a disabled rule neither alerts nor touches its state', () => {
  const r = rules((c) => {
    c.overdraft.enabled = false;
  });
  const out = evaluate(tx({ amountCents: 10_00, balanceCents: -5_00 }), undefined, undefined, r);
  assert.deepEqual(out.alerts.map((a) => a.rule), ['low_balance']);
  assert.deepEqual(out.account.overdraft, { lastBalanceCents: null });
  assert.deepEqual(out.account.low_balance, { lastBalanceCents: -5_00 });
});

test('a repeated transaction alerts as duplicate and is not applied again', () => {
  const r = rules((c) => {
    c.velocity.count = 2;
  });
  const first = evaluate(tx({ transactionId: 'D' }), undefined, undefined, r);
  assert.deepEqual(first.alerts, []);
  assert.ok(first.seen);
  const again = evaluate(tx({ transactionId: 'D', offset: '1', timestampMs: T0 + 1000 }), first.account, first.seen, r);
  // Without the skip, velocity (count 2) would fire on the second copy of the same withdrawal.
  assert.deepEqual(again.alerts.map((a) => a.id), ['D:duplicate']);
  assert.equal(again.isDuplicate, true);
  assert.deepEqual(again.account.velocity, first.account.velocity);
  assert.equal(again.account.lastEventMs, T0 + 1000);
});

test('derived ids are never remembered for duplicate detection', () => {
  const out = evaluate(tx({ transactionId: '0-17', derivedId: true }), undefined, undefined, rules());
  assert.equal(out.seen, null);
});

test('with duplicate detection off a repeat is processed like any transaction', () => {
  const r = rules((c) => {
    c.duplicate.enabled = false;
    c.velocity.count = 2;
  });
  const seen: SeenTransaction = { timestampMs: T0, offset: '0', repeats: 0 };
  const first = evaluate(tx({ transactionId: 'D' }), undefined, seen, r);
  const again = evaluate(tx({ transactionId: 'D', timestampMs: T0 + 1000 }), first.account, seen, r);
  assert.deepEqual(again.alerts.map((a) => a.id), ['D:velocity']);
  assert.equal(again.seen, null);
});

test('evaluate leaves its inputs untouched', () => {
  const account: AccountState = { ...initialAccountState(), velocity: { withdrawalTimesMs: [T0 - 1000] } };
  const frozen = JSON.stringify(account);
  evaluate(tx({ balanceCents: -1 }), account, undefined, rules());
  assert.equal(JSON.stringify(account), frozen);
});
