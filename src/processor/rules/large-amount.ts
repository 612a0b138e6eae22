// large_amount (MEDIUM): an amount far above what this account usually moves, per transaction type
// (a salary deposit says nothing about normal ATM withdrawals). Uses a z-score against the account's own
// running mean and sample standard deviation (Welford's online update: O(1) state, numerically stable).
// The standard deviation is floored at stdFloorCents, otherwise an account that always withdraws exactly
// 50.00 would alert on 50.01. Nothing is judged until minHistory earlier events of that type exist.
// The judged amount joins the history afterwards, alert or not, so the baseline follows real behaviour.
// Balance-report types (current_balance, low_balance) carry a balance, not money moved, and are skipped.
import type { TransactionType } from '../../bank/transaction.ts';
import type { AlertDetails } from '../alert.ts';
import { formatCents } from './explain.ts';
import { defineRule } from './rule.ts';

export interface AmountStats {
  n: number;
  mean: number; // cents
  m2: number; // sum of squared deviations from the mean, cents^2
}

export interface LargeAmountState {
  byType: Partial<Record<TransactionType, AmountStats>>;
}

const MONEY_MOVING: ReadonlySet<TransactionType> = new Set(['deposit', 'withdraw', 'checking_account', 'savings_account']);

export const largeAmount = defineRule({
  name: 'large_amount',
  severity: 'MEDIUM',
  summary: 'amount far above the account history',
  description:
    "amount's z-score against this account's own history for this transaction type is ≥ `zThreshold`; std dev floored at `stdFloorCents`; judged only after `minHistory` earlier events; balance reports are skipped",
  settings: {
    zThreshold: { kind: 'number', default: 4, min: 0.5, max: 100, help: 'z-score that triggers' },
    stdFloorCents: { kind: 'integer', default: 25_00, min: 1, help: 'smallest standard deviation used' },
    minHistory: { kind: 'integer', default: 5, min: 2, max: 1_000_000, help: 'events needed before judging' },
  },
  initialState: (): LargeAmountState => ({ byType: {} }),
  evaluate(tx, state, config) {
    if (!MONEY_MOVING.has(tx.type)) return { alert: null, state };
    const stats = state.byType[tx.type] ?? { n: 0, mean: 0, m2: 0 };
    const x = tx.amountCents;

    let alert: AlertDetails | null = null;
    if (stats.n >= config.minHistory) {
      const std = Math.sqrt(stats.m2 / (stats.n - 1));
      const scale = Math.max(std, config.stdFloorCents);
      const z = (x - stats.mean) / scale;
      if (z >= config.zThreshold) {
        alert = {
          observed: {
            amount_cents: x,
            mean_cents: Math.round(stats.mean),
            std_cents: Math.round(std),
            z_score: Math.round(z * 100) / 100,
            history: stats.n,
          },
          threshold: { z_score: config.zThreshold, std_floor_cents: config.stdFloorCents, min_history: config.minHistory },
          explanation:
            `${tx.type} of ${formatCents(x)} is ${z.toFixed(2)} standard deviations above this account's mean ${tx.type} ` +
            `of ${formatCents(Math.round(stats.mean))} over ${stats.n} events (threshold ${config.zThreshold}` +
            (std < config.stdFloorCents ? `, deviation floored at ${formatCents(config.stdFloorCents)}` : '') +
            ')',
        };
      }
    }

    const n = stats.n + 1;
    const delta = x - stats.mean;
    const mean = stats.mean + delta / n;
    const m2 = stats.m2 + delta * (x - mean);
    const byType = { ...state.byType };
    byType[tx.type] = { n, mean, m2 };
    return { alert, state: { byType } };
  },
});
