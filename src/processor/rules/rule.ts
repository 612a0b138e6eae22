// What a rule is. A rule file declares everything about its rule in one place: name, severity, what it
// detects (for docs/alerts.md), its settings with defaults and ranges (config.ts turns them into
// `rules.<name>.<setting>` fields, plus `enabled` for every rule), its initial state and evaluate().
// registry.ts lists the rules; config, the docs table, the account state and the snapshot's rule slices
// all follow from that list.
//
// Rules never read a clock, so the same input sequence always yields the same alerts and the same state:
// that is what makes snapshot + replay reproduce an uninterrupted run. A rule changes its state in place
// and returns it (or returns a new one): a copy per record was most of the processor's garbage, and its
// state lives long enough that collecting it was expensive. The one state a rule must not change is its
// shared initial state (frozen, see RuleEngine): writable() gives it a fresh one instead. A checkpoint
// holds the states as they were when it was taken without copying them: the account's text is written
// just before its first change (state.ts, PinnedAccounts). A rule reports what it found (AlertDetails);
// the engine turns that into the Alert, with the rule's declared name and severity, so those are written
// once.
import type { AlertDetails, Severity } from '../alert.ts';
import type { NormalizedTx } from '../validate.ts';

export interface NumberSetting {
  kind: 'integer' | 'number';
  default: number;
  min?: number;
  max?: number;
  help: string;
}

export interface BooleanSetting {
  kind: 'boolean';
  default: boolean;
  help: string;
}

export type SettingSpec = NumberSetting | BooleanSetting;
export type SettingSpecs = Readonly<Record<string, SettingSpec>>;

// The values config.ts builds from a rule's declared settings: what evaluate() receives.
export type RuleSettings<S extends SettingSpecs> = { enabled: boolean; weight?: number } & { -readonly [K in keyof S]: S[K] extends BooleanSetting ? boolean : number };

export interface RuleOutcome<S> {
  alert: AlertDetails | null;
  state: S; // the state given, changed or not, or a new one
}

// The state to change in place: the one given, unless it is the shared initial state (frozen by the
// engine), which stays as it is for every account still at it; then a fresh one.
export function writable<St>(state: St, initialState: () => St): St {
  return Object.isFrozen(state) ? initialState() : state;
}

export interface RuleDeclaration<N extends string = string, S extends SettingSpecs = SettingSpecs> {
  name: N; // snake_case: the alert's `rule`, the config section, the snapshot slice
  severity: Severity;
  summary: string; // a few words, the help of `rules.<name>.enabled`
  description: string; // when it fires, one Markdown sentence or two, for docs/alerts.md
  settings: S;
  // true: what it reports is a customer notification (bank_notifications), not a fraud alert: it is not
  // scored as fraud, counted in the alert metrics or part of a case.
  notification?: boolean;
  // A fraud rule's default evidence weight, 0..1 (the setting rules.<name>.weight): how much one of its
  // alerts says that the transaction is fraud. Risk scores and cases combine them (src/processor/cases.ts).
  weight?: number;
}

// An account rule: its state is one slice of the account's state, in every account of the partition.
// evaluate is declared as a method so that a list of rules with different states and settings can be
// held as AccountRule[] (method parameters are compared bivariantly).
export interface AccountRule<N extends string = string, S extends SettingSpecs = SettingSpecs, St = unknown> extends RuleDeclaration<N, S> {
  scope: 'account';
  initialState(): St;
  evaluate(tx: NormalizedTx, state: St, settings: RuleSettings<S>): RuleOutcome<St>;
}

// The first sighting of a transaction id, as the duplicate rule remembers it.
export interface SeenTransaction {
  timestampMs: number; // event time of the first copy
  offset: string; // where the first copy is
  repeats: number;
}

export interface TransactionOutcome extends RuleOutcome<SeenTransaction> {
  isDuplicate: boolean; // the engine skips the account rules for a repeat, so state is not applied twice
}

// The one rule whose state is per transaction id rather than per account: duplicate. It is special in
// three ways, and they are not generalised, because no second rule needs them: the engine runs it before
// the account rules as a gate (a repeat short-circuits them), its entries live in state.ts's SeenIds
// rather than in the accounts, and SeenIds is bounded by its windowSec and maxIds settings.
export interface TransactionRule<N extends string = string, S extends TransactionRuleSettings = TransactionRuleSettings> extends RuleDeclaration<N, S> {
  scope: 'transaction';
  evaluate(tx: NormalizedTx, firstSeen: SeenTransaction | undefined, settings: RuleSettings<S>): TransactionOutcome;
}

export type TransactionRuleSettings = SettingSpecs & { windowSec: NumberSetting; maxIds: NumberSetting };

export type Rule = AccountRule | TransactionRule;

// What a rule file passes to defineRule. The state's type comes from initialState alone (NoInfer), so
// evaluate is checked against it rather than widening it.
export interface AccountRuleDefinition<N extends string, S extends SettingSpecs, St> extends RuleDeclaration<N, S> {
  initialState(): St;
  evaluate(tx: NormalizedTx, state: NoInfer<St>, settings: RuleSettings<NoInfer<S>>): RuleOutcome<NoInfer<St>>;
}

export interface TransactionRuleDefinition<N extends string, S extends TransactionRuleSettings> extends RuleDeclaration<N, S> {
  evaluate(tx: NormalizedTx, firstSeen: SeenTransaction | undefined, settings: RuleSettings<NoInfer<S>>): TransactionOutcome;
}

// Both only add the scope; they exist for type inference (the declared settings' types flow into
// evaluate's parameter).
export function defineRule<const N extends string, const S extends SettingSpecs, St>(rule: AccountRuleDefinition<N, S, St>): AccountRule<N, S, St> {
  return { ...rule, scope: 'account' };
}

export function defineTransactionRule<const N extends string, const S extends TransactionRuleSettings>(rule: TransactionRuleDefinition<N, S>): TransactionRule<N, S> {
  return { ...rule, scope: 'transaction' };
}
