// The rule engine: runs every enabled rule over one transaction, in the fixed order of RULE_NAMES, so
// the alerts of a transaction always come out in the same order. Pure like the rules themselves: it takes
// the account's state and the transaction id's duplicate entry and returns their next versions; storing
// them (and bounding that storage) is state.ts's job.
import { RULE_NAMES, type Alert } from '../alert.ts';
import type { RulesConfig } from '../config.ts';
import type { NormalizedTx } from '../validate.ts';
import { initialBalanceState, type BalanceState } from './balance.ts';
import { drain } from './drain.ts';
import { duplicate, type SeenTransaction } from './duplicate.ts';
import { initialLargeAmountState, largeAmount, type LargeAmountState } from './large-amount.ts';
import { lowBalance } from './low-balance.ts';
import { overdraft } from './overdraft.ts';
import { initialVelocityState, velocity, type VelocityState } from './velocity.ts';

export { RULE_NAMES };
export type { SeenTransaction };

// One account's state: a slice per rule, each owned by its rule alone (the three balance rules keep their
// own copy of the balance so that disabling one cannot change what another sees). Plain JSON data.
export interface AccountState {
  lastEventMs: number; // newest event time seen, for idle eviction
  low_balance: BalanceState;
  overdraft: BalanceState;
  large_amount: LargeAmountState;
  velocity: VelocityState;
  drain: BalanceState;
}

export function initialAccountState(): AccountState {
  return {
    lastEventMs: 0,
    low_balance: initialBalanceState(),
    overdraft: initialBalanceState(),
    large_amount: initialLargeAmountState(),
    velocity: initialVelocityState(),
    drain: initialBalanceState(),
  };
}

export interface EngineOutcome {
  alerts: Alert[];
  account: AccountState;
  seen: SeenTransaction | null; // entry to store under tx.transactionId; null: nothing to remember
  isDuplicate: boolean;
}

export function evaluate(tx: NormalizedTx, account: AccountState | undefined, seen: SeenTransaction | undefined, rules: RulesConfig): EngineOutcome {
  const before = account ?? initialAccountState();
  const lastEventMs = Math.max(before.lastEventMs, tx.timestampMs);
  const alerts: Alert[] = [];

  let seenNext: SeenTransaction | null = null;
  if (rules.duplicate.enabled && !tx.derivedId) {
    const d = duplicate(tx, seen, rules.duplicate);
    seenNext = d.state;
    if (d.isDuplicate) {
      // A repeat is the same money movement again, not a new one: feeding it to the account rules would
      // double-count it (two withdrawals for velocity, the amount twice in the history).
      if (d.alert) alerts.push(d.alert);
      return { alerts, account: { ...before, lastEventMs }, seen: seenNext, isDuplicate: true };
    }
  }

  const next: AccountState = { ...before, lastEventMs };
  if (rules.low_balance.enabled) {
    const r = lowBalance(tx, before.low_balance, rules.low_balance);
    next.low_balance = r.state;
    if (r.alert) alerts.push(r.alert);
  }
  if (rules.overdraft.enabled) {
    const r = overdraft(tx, before.overdraft, rules.overdraft);
    next.overdraft = r.state;
    if (r.alert) alerts.push(r.alert);
  }
  if (rules.large_amount.enabled) {
    const r = largeAmount(tx, before.large_amount, rules.large_amount);
    next.large_amount = r.state;
    if (r.alert) alerts.push(r.alert);
  }
  if (rules.velocity.enabled) {
    const r = velocity(tx, before.velocity, rules.velocity);
    next.velocity = r.state;
    if (r.alert) alerts.push(r.alert);
  }
  if (rules.drain.enabled) {
    const r = drain(tx, before.drain, rules.drain);
    next.drain = r.state;
    if (r.alert) alerts.push(r.alert);
  }
  return { alerts, account: next, seen: seenNext, isDuplicate: false };
}
