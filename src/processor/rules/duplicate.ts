// duplicate (LOW): a transaction_id seen before within windowSec of event time, typically a producer
// retry or a double submission. Its state is per transaction id rather than per account (see
// TransactionRule in rule.ts for what that makes special); the engine keeps those entries in a bounded,
// insertion-ordered window per partition (state.ts). Only the first repeat alerts: the alert id is
// `${transaction_id}:duplicate` whichever copy triggered it, so alerting on the third copy would only
// repeat an id downstream has already seen. Derived ids (`partition-offset`, for minimal messages) are
// unique by construction and never reach this rule.
import type { AlertDetails } from '../alert.ts';
import { defineTransactionRule, type SeenTransaction } from './rule.ts';

export const duplicate = defineTransactionRule({
  name: 'duplicate',
  severity: 'LOW',
  weight: 0,
  summary: 'same transaction_id seen twice',
  description: 'a `transaction_id` seen before within `windowSec`; only the first repeat alerts; remembered ids are bounded per partition (`maxIds`)',
  settings: {
    windowSec: { kind: 'integer', default: 600, min: 1, max: 30 * 86_400, help: 'how long ids are remembered' },
    maxIds: { kind: 'integer', default: 50_000, min: 1, max: 50_000_000, help: 'ids remembered per partition' },
  },
  evaluate(tx, firstSeen, config) {
    const windowMs = config.windowSec * 1000;
    if (firstSeen === undefined || Math.abs(tx.timestampMs - firstSeen.timestampMs) > windowMs) {
      return { alert: null, isDuplicate: false, state: { timestampMs: tx.timestampMs, offset: tx.offset, repeats: 0 } };
    }
    const state: SeenTransaction = { ...firstSeen, repeats: firstSeen.repeats + 1 };
    if (firstSeen.repeats > 0) return { alert: null, isDuplicate: true, state };
    const gapMs = tx.timestampMs - firstSeen.timestampMs;
    const alert: AlertDetails = {
      observed: { first_offset: firstSeen.offset, gap_ms: gapMs },
      threshold: { window_sec: config.windowSec },
      explanation: `transaction_id ${tx.transactionId} already seen at offset ${firstSeen.offset}, ${(gapMs / 1000).toFixed(1)}s earlier (window ${config.windowSec}s)`,
    };
    return { alert, isDuplicate: true, state };
  },
});
