// rapid_in_out (HIGH): money in, then out again within minutes or hours: the mule's pattern. Deposits of
// at least `minInCents` within `windowSec` are remembered; the approved withdrawal that brings what left
// since the first of them to `ratio` of what came in fires, and the account starts afresh. Salary spent
// over a month never fires; a mule forwarding 90% of a transfer within the hour does. Only money from
// other people counts in (a named counterparty that is not an employer, not the bank's own `system`
// channel: pay spent on rent is not a mule's pattern), and only money passed on counts out (not card
// purchases or bills: MER-, PAY-). And only money from new senders: a mule is paid by strangers (scam
// victims, a takeover's victim, outside accounts), while friends who pay one back and are paid on again
// are the same few people month after month (on simulator v2 those were nearly all of this rule's false
// cases). A sender is new while its first deposit is within the window. And what came in must be at
// least `balanceShare` of the balance before it: a mule's account is a pipe, while a customer with
// savings who gets 200.00 back from a friend and pays 300.00 to another is not passing that money on.
// Nor is a payment far larger than what came in (`maxRatio`): a mule passes on what it got, less its cut.
// State: at most 8 deposits, one running sum and the first deposit of the last 16 senders per account.
import type { AlertDetails } from '../alert.ts';
import { balanceBefore } from './balance.ts';
import { formatCents } from './explain.ts';
import { counterpartyKind, pushBounded, retain } from './robust.ts';
import { defineRule, writable } from './rule.ts';

export interface RapidInOutState {
  deposits: Array<[atMs: number, cents: number, beforeCents: number | null]>; // oldest first, within the window; the balance before it
  outCents: number; // approved withdrawals since the first remembered deposit
  // Most recent first sighting last. Optional: a snapshot written before senders were kept has none.
  senders?: Array<[sender: string, firstMs: number]>;
}

const MAX_DEPOSITS = 8;
const MAX_SENDERS = 16;
const SPENDING: ReadonlySet<string> = new Set(['MER', 'PAY']);

function fromOthers(counterparty: string | null, channel: string | null): boolean {
  return counterparty !== null && !counterparty.startsWith('EXT-EMP') && channel !== 'system';
}

function initialRapidInOutState(): RapidInOutState {
  return { deposits: [], outCents: 0, senders: [] };
}

export const rapidInOut = defineRule({
  name: 'rapid_in_out',
  severity: 'HIGH',
  weight: 0.65,
  summary: 'money in and out again quickly (mule)',
  description:
    'approved withdrawals passing money on (not to merchants or bill payees) take ≥ `ratio` of the deposits from new senders (a named counterparty first seen within the window, not an employer, not channel `system`; each ≥ `minInCents`) received within the last `windowSec`, which came to ≥ `balanceShare` of the balance before the first of them; fires on the withdrawal that crosses, unless what left is over `maxRatio` x what came in',
  settings: {
    windowSec: { kind: 'integer', default: 6 * 3600, min: 60, max: 7 * 86_400, help: 'how long money may stay' },
    ratio: { kind: 'number', default: 0.7, min: 0.05, max: 1, help: 'share of what came in that must leave' },
    maxRatio: { kind: 'number', default: 2, min: 1, max: 1000, help: 'more than this times what came in leaving is not that money passed on' },
    minInCents: { kind: 'integer', default: 200_00, min: 0, help: 'smaller deposits are ignored' },
    balanceShare: { kind: 'number', default: 0.05, min: 0, max: 100, help: 'share of the balance before them the deposits must come to (when the messages have a balance)' },
  },
  initialState: initialRapidInOutState,
  evaluate(tx, state, config) {
    if (tx.status === 'declined') return { alert: null, state };
    const from = tx.timestampMs - config.windowSec * 1000;
    if (tx.type === 'deposit') {
      const sender = tx.counterpartyId;
      if (sender === null || !fromOthers(sender, tx.channel)) return { alert: null, state };
      const known = state.senders?.find((s) => s[0] === sender);
      const counted = tx.amountCents >= config.minInCents && (known === undefined || known[1] > from);
      if (known !== undefined && !counted) return { alert: null, state };
      const next = writable(state, initialRapidInOutState);
      if (known === undefined) next.senders = pushBounded(next.senders ?? [], [sender, tx.timestampMs], MAX_SENDERS);
      if (!counted) return { alert: null, state: next };
      const deposits = next.deposits.length;
      retain(next.deposits, (d) => d[0] > from);
      // Withdrawals counted against deposits that have left the window no longer count.
      if (next.deposits.length !== deposits) next.outCents = 0;
      next.deposits = pushBounded(next.deposits, [tx.timestampMs, tx.amountCents, balanceBefore(tx, null)], MAX_DEPOSITS);
      return { alert: null, state: next };
    }
    if (tx.type !== 'withdraw' || state.deposits.length === 0 || SPENDING.has(counterpartyKind(tx.counterpartyId))) return { alert: null, state };
    // Not the shared initial state: it has deposits.
    const kept = state.deposits;
    const deposits = kept.length;
    retain(kept, (d) => d[0] > from);
    state.senders ??= [];
    const outCents = (kept.length === deposits ? state.outCents : 0) + tx.amountCents;
    if (kept.length === 0) {
      state.outCents = 0;
      return { alert: null, state };
    }
    let inCents = 0;
    for (const d of kept) inCents += d[1];
    const first = kept[0] as [number, number, number | null];
    const start = first[2];
    if (outCents < config.ratio * inCents || outCents > config.maxRatio * inCents || (start !== null && inCents < config.balanceShare * start)) {
      state.outCents = outCents;
      return { alert: null, state };
    }
    const spanMs = tx.timestampMs - first[0];
    const alert: AlertDetails = {
      observed: { in_cents: inCents, out_cents: outCents, deposits: kept.length, span_ms: spanMs, ...(start === null ? {} : { balance_before_cents: start }) },
      threshold: { ratio: config.ratio, max_ratio: config.maxRatio, window_sec: config.windowSec, min_in_cents: config.minInCents, balance_share: config.balanceShare },
      explanation: `${formatCents(outCents)} left within ${Math.round(spanMs / 60_000)} min of ${formatCents(inCents)} coming in (${((outCents / inCents) * 100).toFixed(0)}%, threshold ${(config.ratio * 100).toFixed(0)}% within ${config.windowSec / 3600} h)`,
    };
    kept.length = 0;
    state.outCents = 0;
    return { alert, state };
  },
});
