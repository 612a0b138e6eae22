// check_then_transfer (HIGH): someone who has just taken over online banking looks at the balance first,
// then sends money to another party within minutes. Fires on an approved transfer out (to another account
// or person: not a merchant, ATM or bill payee) of at least `minCents` (and `balanceShare` of the balance
// before it, off by default), within `windowSec` of a balance check the customer made (channel online,
// ATM or branch; the bank's own statements on channel `system` are not checks). Customers check their
// balance and pay someone too, but then half the time someone they paid before (the landlord, family): a
// takeover pays a new payee, so a payee this account paid before does not fire (on simulator v2, 30 of
// 31 takeover transfers after a check went to a new payee, 13 of 25 ordinary ones). One alert per check.
// Takeovers that take a little at a time send amounts like the customer's own transfers to friends, so
// neither a large amount nor a large share of the balance sets them apart; the minutes since the check
// and the new payee do. On six simulator v2 streams (two seeds x default, 5x, 10x), going from 500.00,
// a fifth of the balance and 15 min to 100.00, any share and 10 min found 16 more of 207 incidents
// (takeovers mostly) for 87 more cases, 30 of them true: case precision the same (32.5% -> 32.8%), value
// detected up on five of six streams.
// State: the time of the last balance check and a hash of the last 16 payees per account (numbers, not
// the ids: a few bytes each; a rare hash collision only makes a payee look known).
import type { AlertDetails } from '../alert.ts';
import { balanceBefore } from './balance.ts';
import { formatCents } from './explain.ts';
import { pushBounded, transferPayee } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface CheckThenTransferState {
  checkMs: number | null; // the last customer balance check not yet followed by an alert
  // Hashes of the payees of transfers to others, most recent last. Optional: a snapshot written before
  // payees were kept has none.
  payees?: number[];
}

const MAX_PAYEES = 16;

// FNV-1a, 32 bits.
function hashOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const CHECK_CHANNELS: ReadonlySet<string> = new Set(['online', 'atm', 'branch']);

function initialCheckThenTransferState(): CheckThenTransferState {
  return { checkMs: null, payees: [] };
}

export const checkThenTransfer = defineRule({
  name: 'check_then_transfer',
  severity: 'HIGH',
  weight: 0.55,
  summary: 'balance checked, then money sent to a new payee within minutes',
  description:
    'an approved withdrawal to a party this account has not paid before (not a merchant, ATM or bill payee), ≥ `minCents` and ≥ `balanceShare` of the balance before it (0: any), within `windowSec` of a balance check on channel online, ATM or branch; once per check',
  settings: {
    windowSec: { kind: 'integer', default: 600, min: 10, max: 86_400, help: 'time from the balance check to the transfer' },
    minCents: { kind: 'integer', default: 100_00, min: 0, help: 'smaller transfers never alert' },
    balanceShare: { kind: 'number', default: 0, min: 0, max: 1, help: 'share of the balance before it the transfer must take (when the message has a balance)' },
  },
  initialState: initialCheckThenTransferState,
  evaluate(tx, state, config) {
    if (tx.type === 'current_balance') {
      if (tx.channel === null || !CHECK_CHANNELS.has(tx.channel)) return { alert: null, state };
      const next = writable(state, initialCheckThenTransferState);
      next.checkMs = tx.timestampMs;
      next.payees ??= [];
      return { alert: null, state: next };
    }
    const to = transferPayee(tx);
    if (to === null) return { alert: null, state };
    const payee = hashOf(to);
    if (state.payees?.includes(payee) === true) return { alert: null, state };
    const next = writable(state, initialCheckThenTransferState);
    next.payees = pushBounded(next.payees ?? [], payee, MAX_PAYEES);
    if (state.checkMs === null || tx.amountCents < config.minCents) return { alert: null, state: next };
    const sinceMs = tx.timestampMs - state.checkMs;
    if (sinceMs < 0 || sinceMs > config.windowSec * 1000) return { alert: null, state: next };
    const before = balanceBefore(tx, null); // what the message shows, not the last known balance
    if (before !== null && before > 0 && tx.amountCents < config.balanceShare * before) return { alert: null, state: next };
    const alert: AlertDetails = {
      observed: { amount_cents: tx.amountCents, payee: to, seconds_since_check: Math.round(sinceMs / 1000), ...(before === null ? {} : { balance_before_cents: before }) },
      threshold: { window_sec: config.windowSec, min_cents: config.minCents, balance_share: config.balanceShare },
      explanation: `${formatCents(tx.amountCents)} sent to ${to} ${Math.round(sinceMs / 1000)} s after a balance check${before === null || before <= 0 ? '' : ` (${((tx.amountCents / before) * 100).toFixed(0)}% of the balance)`} (threshold ${formatCents(config.minCents)}${config.balanceShare > 0 ? ` and ${config.balanceShare * 100}% of the balance` : ''} within ${config.windowSec / 60} min)`,
    };
    next.checkMs = null;
    return { alert, state: next };
  },
});
