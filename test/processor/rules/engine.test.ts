import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG, type RulesConfig } from '../../../src/processor/config.ts';
import { RuleEngine, type AccountState } from '../../../src/processor/rules/engine.ts';
import { RULES } from '../../../src/processor/rules/registry.ts';
import type { SeenTransaction } from '../../../src/processor/rules/rule.ts';
import { T0, tx } from '../helpers.ts';

function rules(patch: (r: RulesConfig) => void = () => {}): RuleEngine {
  const r = structuredClone(DEFAULT_CONFIG.rules);
  patch(r);
  return new RuleEngine(r);
}

test('notifications and alerts of one transaction come out apart, each in rule order', () => {
  // 500.00 -> -20.00 in one withdrawal: below the low-balance line, overdrawn (notifications), more than
  // 70% of the balance within the hour and a drain (fraud).
  const engine = rules();
  let before: AccountState = engine.initialAccountState();
  for (const name of ['low_balance', 'overdraft'] as const) before = engine.withSlice(before, name, { lastBalanceCents: 500_00, accountLimitCents: null });
  before = engine.withSlice(before, 'drain', { lastBalanceCents: 500_00 });
  const out = engine.evaluate(tx({ transactionId: 'X', amountCents: 520_00, balanceCents: -20_00 }), before, undefined);
  assert.deepEqual(out.notifications.map((a) => a.id), ['X:low_balance', 'X:overdraft']);
  assert.deepEqual(out.alerts.map((a) => a.id), ['X:outflow', 'X:drain']);
});

test('a disabled rule neither alerts nor touches its state', () => {
  const r = rules((c) => {
    c.overdraft.enabled = false;
  });
  const out = r.evaluate(tx({ amountCents: 200_00, balanceCents: -5_00 }), undefined, undefined);
  assert.deepEqual(out.notifications.map((a) => a.rule), ['low_balance']);
  assert.deepEqual(r.slice(out.account, 'overdraft'), { lastBalanceCents: null, accountLimitCents: null });
  assert.deepEqual(r.slice(out.account, 'low_balance'), { lastBalanceCents: -5_00, accountLimitCents: null });
});

test('a repeated transaction alerts as duplicate and is not applied again', () => {
  const r = rules((c) => {
    c.velocity.count = 2;
  });
  const first = r.evaluate(tx({ transactionId: 'D' }), undefined, undefined);
  assert.deepEqual(first.alerts, []);
  assert.ok(first.seen);
  const again = r.evaluate(tx({ transactionId: 'D', offset: '1', timestampMs: T0 + 1000 }), first.account, first.seen);
  // Without the skip, velocity (count 2) would fire on the second copy of the same withdrawal.
  assert.deepEqual(again.alerts.map((a) => a.id), ['D:duplicate']);
  assert.equal(again.isDuplicate, true);
  assert.deepEqual(r.slice(again.account, 'velocity'), r.slice(first.account, 'velocity'));
  assert.equal(again.account.lastEventMs, T0 + 1000);
});

test('derived ids are never remembered for duplicate detection', () => {
  const out = rules().evaluate(tx({ transactionId: '0-17', derivedId: true }), undefined, undefined);
  assert.equal(out.seen, null);
});

test('with duplicate detection off a repeat is processed like any transaction', () => {
  const r = rules((c) => {
    c.duplicate.enabled = false;
    c.velocity.count = 2;
  });
  const seen: SeenTransaction = { timestampMs: T0, offset: '0', repeats: 0 };
  const first = r.evaluate(tx({ transactionId: 'D' }), undefined, seen);
  const again = r.evaluate(tx({ transactionId: 'D', timestampMs: T0 + 1000 }), first.account, seen);
  assert.deepEqual(again.alerts.map((a) => a.id), ['D:velocity']);
  assert.equal(again.seen, null);
});

test('evaluate changes the account in place and never the shared initial state', () => {
  const engine = rules();
  const account = engine.withSlice(engine.initialAccountState(), 'velocity', { withdrawalTimesMs: [T0 - 1000] });
  const out = engine.evaluate(tx({ balanceCents: -1 }), account, undefined);
  assert.equal(out.account, account);
  assert.deepEqual(engine.slice(account, 'velocity'), { withdrawalTimesMs: [T0 - 1000, T0] });
  // Every rule ran on its initial state: those that changed it took their own.
  const fresh = engine.initialAccountState();
  assert.deepEqual(fresh.slices, RULES.filter((r) => r.scope === 'account').map((r) => r.initialState()));
  assert.ok(fresh.slices.every((slice) => Object.isFrozen(slice)));
  assert.notEqual(engine.slice(account, 'drain'), engine.slice(fresh, 'drain'));
});
