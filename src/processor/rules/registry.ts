// The rules, one line each, in their fixed order: the order of alerts within one transaction, of the
// config sections, of docs/alerts.md's table and of the quality counters. Adding a rule is a file that
// declares it (see rule.ts and docs/extending.md) and a line here; everything else follows from this list.
// duplicate is listed last but checked first: it is the gate that keeps a repeated transaction away from
// the account rules (see TransactionRule in rule.ts), and when it fires nothing else does, so its place
// changes no alert order.
import { amountOutlier } from './amount-outlier.ts';
import { cardTesting } from './card-testing.ts';
import { checkThenTransfer } from './check-then-transfer.ts';
import { dormant } from './dormant.ts';
import { drain } from './drain.ts';
import { duplicate } from './duplicate.ts';
import { lowBalance } from './low-balance.ts';
import { newPayee } from './new-payee.ts';
import { newPayeeAgain } from './new-payee-again.ts';
import { outflow } from './outflow.ts';
import { overdraft } from './overdraft.ts';
import { rapidInOut } from './rapid-in-out.ts';
import type { AccountRule, Rule, RuleSettings } from './rule.ts';
import { structuring } from './structuring.ts';
import { velocity } from './velocity.ts';

export const RULES = [
  lowBalance,
  overdraft,
  amountOutlier,
  velocity,
  outflow,
  newPayee,
  dormant,
  rapidInOut,
  structuring,
  drain,
  cardTesting,
  checkThenTransfer,
  newPayeeAgain,
  duplicate,
] as const satisfies readonly Rule[];

type Registered = (typeof RULES)[number];
export type RuleName = Registered['name'];
export const RULE_NAMES: readonly RuleName[] = RULES.map((r) => r.name);

// The rules whose findings are fraud alerts (not customer notifications): the ones scored for quality.
export const FRAUD_RULE_NAMES: readonly RuleName[] = RULES.filter((r) => !(r as Rule).notification).map((r) => r.name);

// A rules.* config section per rule, typed from each rule's declared settings.
export type RulesConfigOf<R extends readonly Rule[]> = { [D in R[number] as D['name']]: RuleSettings<D['settings']> };
export type RulesConfig = RulesConfigOf<typeof RULES>;

// An account's state: one slice per account rule, typed from each rule's initialState.
type SlicesOf<R extends readonly Rule[]> = { [D in Extract<R[number], AccountRule> as D['name']]: ReturnType<D['initialState']> };
export type AccountSlices = SlicesOf<typeof RULES>;
