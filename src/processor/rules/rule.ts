// What every rule returns: at most one alert for the transaction, and the rule's next state. Rules never
// mutate the state they are given and never read a clock, so the same input sequence always yields the
// same alerts and the same state: that is what makes snapshot + replay reproduce an uninterrupted run.
import type { Alert } from '../alert.ts';

export interface RuleOutcome<S> {
  alert: Alert | null;
  state: S;
}
