// The rule engine: runs every enabled rule over one transaction, in the registry's order, so the alerts
// of a transaction always come out in the same order. Deterministic like the rules themselves: it
// changes the account's state in place (rule.ts says why) and returns the transaction id's next duplicate
// entry; storing them (and bounding that storage, and keeping a checkpoint's view of an account intact)
// is state.ts's job.
//
// An engine is built once per configuration, not per record: the enabled rules and their settings are
// resolved into an array up front, so the per-record work is one loop over exactly the rules that run.
import { makeAlert, type Alert, type AlertDetails, type RuleName } from '../alert.ts';
import type { NormalizedTx } from '../validate.ts';
import { RULES, type AccountSlices, type RulesConfig } from './registry.ts';
import type { AccountRule, Rule, RuleSettings, SeenTransaction, TransactionRule, TransactionRuleSettings } from './rule.ts';

// One account's state: a slice per account rule, each owned by its rule alone (the three balance rules
// keep their own copy of the balance so that disabling one cannot change what another sees). Disabled
// rules keep their slice too, untouched, so enabling one again needs no migration. Plain JSON data.
// The slices are an array in the order of the engine's sliceNames, not an object keyed by name: the
// engine reads and writes every slice of every record, and by position that is about twice as cheap as
// by a name that differs at each step of the loop (measured: the keyed version cost 200 ns per record,
// 7% of the processor's time). slice() and sliceNames give the by-name view; a snapshot carries the
// names (state.ts), which is what lets a restore match slices to rules.
export interface AccountState {
  lastEventMs: number; // newest event time seen, for idle eviction
  slices: unknown[];
}

export interface EngineOutcome {
  alerts: Alert[]; // fraud alerts
  notifications: readonly Alert[]; // from the rules that notify the customer (rule.notification)
  account: AccountState; // the account given, changed in place, or a new one
  seen: SeenTransaction | null; // entry to store under tx.transactionId; null: nothing to remember
  isDuplicate: boolean;
}

// Settings of every rule of the engine, by rule name: RulesConfig for the registry.
export type EngineSettings = Readonly<Record<string, RuleSettings<Rule['settings']>>>;

interface EnabledRule {
  rule: AccountRule;
  // rule.evaluate, taken out once: the rules are objects of a dozen shapes, and looking the method up
  // on each of them at one place in the loop is V8's slow, megamorphic case.
  evaluate: AccountRule['evaluate'];
  notification: boolean;
  settings: RuleSettings<Rule['settings']>;
  slice: number; // its position in AccountState.slices
}

export class RuleEngine {
  readonly sliceNames: readonly string[]; // the account rules, whose slices every account carries
  private readonly accountRules: readonly AccountRule[];
  // Each account rule's initial state, made once and shared by every account whose slice is still
  // initial: most accounts never need most rules (structuring, rapid_in_out, ...), and a slice per account
  // and rule cost about a tenth of an account's heap. Frozen: a rule takes a fresh one before changing it
  // (writable() in rule.ts), and one that forgot would fail at once rather than change every account.
  private readonly initialSlices: readonly unknown[];
  private readonly enabled: readonly EnabledRule[];
  private readonly gate: { rule: TransactionRule; settings: RuleSettings<TransactionRuleSettings> } | null; // duplicate, when enabled

  // rules: the registry unless a test brings its own list; settings must have a section for each.
  constructor(settings: RulesConfig | EngineSettings, rules: readonly Rule[] = RULES) {
    const byName = settings as EngineSettings;
    const transactionRules = rules.filter((r): r is TransactionRule => r.scope === 'transaction');
    if (transactionRules.length > 1) throw new RangeError(`at most one rule can keep state per transaction id, got ${transactionRules.map((r) => r.name).join(', ')}`);
    this.accountRules = rules.filter((r): r is AccountRule => r.scope === 'account');
    this.sliceNames = this.accountRules.map((r) => r.name);
    this.initialSlices = Object.freeze(this.accountRules.map((r) => deepFreeze(r.initialState())));
    const enabled = (rule: Rule): RuleSettings<Rule['settings']> | null => {
      const s = byName[rule.name];
      if (s === undefined) throw new RangeError(`no settings for rule ${rule.name}`);
      return s.enabled ? s : null;
    };
    this.enabled = this.accountRules.flatMap((rule, slice) => {
      const s = enabled(rule);
      return s === null ? [] : [{ rule, evaluate: rule.evaluate, notification: rule.notification === true, settings: s, slice }];
    });
    const gate = transactionRules[0];
    const gateSettings = gate === undefined ? null : enabled(gate);
    // A transaction rule's declaration guarantees these settings (TransactionRuleSettings).
    this.gate = gate === undefined || gateSettings === null ? null : { rule: gate, settings: gateSettings as RuleSettings<TransactionRuleSettings> };
  }

  // How long and how many transaction ids to remember (state.ts bounds SeenIds with it); null when no
  // rule remembers them.
  get remembered(): { windowMs: number; maxIds: number } | null {
    if (this.gate === null) return null;
    return { windowMs: this.gate.settings.windowSec * 1000, maxIds: this.gate.settings.maxIds };
  }

  initialAccountState(): AccountState {
    return { lastEventMs: 0, slices: this.initialSlices.slice() };
  }

  // The slice of the named account rule; typed for the registry's rules.
  slice<N extends keyof AccountSlices>(account: AccountState, name: N): AccountSlices[N];
  slice(account: AccountState, name: string): unknown;
  slice(account: AccountState, name: string): unknown {
    const i = this.sliceNames.indexOf(name);
    if (i < 0) throw new RangeError(`no account rule ${name}`);
    return account.slices[i];
  }

  // An account with one slice replaced, for tests that start from a given state.
  withSlice<N extends keyof AccountSlices>(account: AccountState, name: N, state: AccountSlices[N]): AccountState;
  withSlice(account: AccountState, name: string, state: unknown): AccountState;
  withSlice(account: AccountState, name: string, state: unknown): AccountState {
    const i = this.sliceNames.indexOf(name);
    if (i < 0) throw new RangeError(`no account rule ${name}`);
    const slices = account.slices.slice();
    slices[i] = state;
    return { ...account, slices };
  }

  // An account restored from a snapshot written with other rules, whose slices are in the order of
  // `names`: a slice for each of this engine's account rules, in the engine's order (a rule the snapshot
  // did not know starts from its initial state), and none for rules that no longer exist.
  fitAccount(account: AccountState, names: readonly string[]): AccountState {
    const slices = this.accountRules.map((rule, slice) => {
      const i = names.indexOf(rule.name);
      return i < 0 ? this.initialSlices[slice] : account.slices[i];
    });
    return { lastEventMs: account.lastEventMs, slices };
  }

  evaluate(tx: NormalizedTx, account: AccountState | undefined, seen: SeenTransaction | undefined): EngineOutcome {
    const state = account ?? this.initialAccountState();
    state.lastEventMs = Math.max(state.lastEventMs, tx.timestampMs);
    const alerts: Alert[] = [];

    let seenNext: SeenTransaction | null = null;
    if (this.gate !== null && !tx.derivedId) {
      const { rule, settings } = this.gate;
      const d = rule.evaluate(tx, seen, settings);
      seenNext = d.state;
      if (d.isDuplicate) {
        // A repeat is the same money movement again, not a new one: feeding it to the account rules would
        // double-count it (two withdrawals for velocity, the amount twice in the history).
        if (d.alert !== null) alerts.push(alertOf(tx, rule, d.alert));
        return { alerts, notifications: NONE, account: state, seen: seenNext, isDuplicate: true };
      }
    }

    const slices = state.slices;
    const enabled = this.enabled;
    let notifications: Alert[] | null = null; // rare: allocated for the first one
    for (let i = 0; i < enabled.length; i++) {
      const { rule, evaluate, notification, settings, slice } = enabled[i] as EnabledRule;
      const r = evaluate(tx, slices[slice], settings);
      slices[slice] = r.state;
      if (r.alert === null) continue;
      if (notification) (notifications ??= []).push(alertOf(tx, rule, r.alert));
      else alerts.push(alertOf(tx, rule, r.alert));
    }
    return { alerts, notifications: notifications ?? NONE, account: state, seen: seenNext, isDuplicate: false };
  }
}

const NONE: readonly Alert[] = Object.freeze([]);

// A rule's initial state and the objects and arrays in it (plain JSON data).
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// The cast: a name outside RuleName only comes from a rule a test adds to its own engine.
function alertOf(tx: NormalizedTx, rule: Rule, details: AlertDetails): Alert {
  return makeAlert(tx, rule.name as RuleName, rule.severity, details);
}
