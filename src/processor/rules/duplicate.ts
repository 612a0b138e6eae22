// duplicate (LOW): a transaction_id seen before within windowSec of event time, typically a producer
// retry or a double submission. Its state is per transaction id rather than per account; the engine keeps
// those entries in a bounded, insertion-ordered window per partition (state.ts). Only the first repeat
// alerts: the alert id is `${transaction_id}:duplicate` whichever copy triggered it, so alerting on the
// third copy would only repeat an id downstream has already seen. Derived ids (`partition-offset`, for
// minimal messages) are unique by construction and never reach this rule.
import { makeAlert } from '../alert.ts';
import type { DuplicateConfig } from '../config.ts';
import type { NormalizedTx } from '../validate.ts';
import type { RuleOutcome } from './rule.ts';

export interface SeenTransaction {
  timestampMs: number; // event time of the first copy
  offset: string; // where the first copy is
  repeats: number;
}

export interface DuplicateOutcome extends RuleOutcome<SeenTransaction> {
  isDuplicate: boolean; // the engine skips the other rules for a repeat, so state is not applied twice
}

export function duplicate(tx: NormalizedTx, firstSeen: SeenTransaction | undefined, config: DuplicateConfig): DuplicateOutcome {
  const windowMs = config.windowSec * 1000;
  if (firstSeen === undefined || Math.abs(tx.timestampMs - firstSeen.timestampMs) > windowMs) {
    return { alert: null, isDuplicate: false, state: { timestampMs: tx.timestampMs, offset: tx.offset, repeats: 0 } };
  }
  const state: SeenTransaction = { ...firstSeen, repeats: firstSeen.repeats + 1 };
  if (firstSeen.repeats > 0) return { alert: null, isDuplicate: true, state };
  const gapMs = tx.timestampMs - firstSeen.timestampMs;
  const alert = makeAlert(tx, 'duplicate', 'LOW', {
    observed: { first_offset: firstSeen.offset, gap_ms: gapMs },
    threshold: { window_sec: config.windowSec },
    explanation: `transaction_id ${tx.transactionId} already seen at offset ${firstSeen.offset}, ${(gapMs / 1000).toFixed(1)}s earlier (window ${config.windowSec}s)`,
  });
  return { alert, isDuplicate: true, state };
}
