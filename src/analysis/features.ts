// Per-transaction features from the record itself and its account's past only: every statistic is read
// before the record updates its account's state, so a feature never sees the record's own future (nor
// another account's). The set is what a bank's first model would use: amount against the account's own
// habit for that kind of transaction, velocity, outflow over a day, time of day, channel and type, a new
// counterparty (and how many in the last hour) or an unusual merchant category (v2 fields, neutral when
// absent), the balance left, and how long ago the account's balance was last looked at (a takeover or a
// scam call often starts with a look at the balance; so do many of the customer's own big payments).

import { DAY_MS, HOUR_MS } from '../bank/calendar.ts';
import { CHANNELS, TRANSACTION_TYPES } from '../bank/transaction.ts';
import type { EventTable } from './event-table.ts';

const HISTORY = 32; // amounts kept per account, type and channel for the running median and MAD
const MIN_HISTORY = 3;
const MAD_TO_SIGMA = 1.4826;
const MAD_FLOOR = 0.1; // log units: keeps a perfectly regular bill from dividing by zero
const MIN_TYPICAL_BALANCE = 100; // major units
const TYPICAL_BALANCE_WEIGHT = 0.05; // exponential moving average of the balance after each event

const NUMERIC = [
  'log_amount', // log1p(amount)
  'amount_robust_z', // (log amount - running median) / (1.4826 MAD) for the account, type and channel
  'amount_vs_max_log', // log amount minus the largest of those past amounts
  'type_channel_history', // log1p(past records of the account with this type and channel)
  'log_seconds_since_previous', // -1 for the account's first record
  'count_1h', // the account's records in the previous hour
  'count_24h',
  'log_outflow_24h', // approved withdrawals in the previous 24 h
  'outflow_24h_vs_typical_balance', // those plus this record's, over the account's typical balance
  'log_inflow_24h', // deposits in the previous 24 h
  'hour_of_day',
  'balance_vs_typical', // balance after / typical balance
  'balance_exactly_zero',
  'amount_vs_previous_balance', // amount / balance before (-1 when unknown or not positive)
  'account_age_events', // log1p(past records of the account)
  'declined',
  'declines_24h',
  'has_counterparty',
  'new_counterparty', // a counterparty the account never dealt with before
  'category_share', // share of the account's past categorised records in this category; -1 without one
  'log_seconds_since_inquiry', // since the account's last balance inquiry; -1 for none yet
  'new_counterparties_1h', // the account's records in the previous hour with a counterparty new to it then
] as const;

const TYPE_NAMES: readonly string[] = TRANSACTION_TYPES;
const CHANNEL_NAMES: readonly string[] = [...new Set<string>([...CHANNELS, 'p2p'])];

export const FEATURE_NAMES: readonly string[] = [...NUMERIC, ...TYPE_NAMES.map((t) => `type_${t}`), 'type_other', ...CHANNEL_NAMES.map((c) => `channel_${c}`), 'channel_other'];

export interface FeatureMatrix {
  readonly names: readonly string[];
  readonly rows: number;
  readonly width: number;
  readonly data: Float32Array; // row-major, rows × width
}

interface AmountHistory {
  readonly values: Float64Array;
  count: number; // all past records with this key, not only the kept ones
}

interface AccountState {
  events: number;
  lastMs: number;
  lastBalance: number;
  typicalBalance: number;
  // The previous 24 h of the account's records, oldest first from `head`.
  times: number[];
  outflows: number[];
  inflows: number[];
  declines: number[];
  newCounterparties: number[];
  head: number;
  lastInquiryMs: number; // 0: none yet (simulated time is never the epoch)
  counterparties: Set<number>;
  categories: Map<number, number>;
  categorised: number;
}

function newAccount(): AccountState {
  return { events: 0, lastMs: 0, lastBalance: 0, typicalBalance: 0, times: [], outflows: [], inflows: [], declines: [], newCounterparties: [], head: 0, lastInquiryMs: 0, counterparties: new Set(), categories: new Map(), categorised: 0 };
}

function median(sorted: Float64Array, n: number): number {
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

// Drops the records older than 24 h before `now` (compacting the arrays now and then).
function expire(state: AccountState, now: number): void {
  while (state.head < state.times.length && (state.times[state.head] ?? 0) <= now - DAY_MS) state.head++;
  if (state.head > 256 && state.head * 2 > state.times.length) {
    for (const list of [state.times, state.outflows, state.inflows, state.declines, state.newCounterparties]) list.splice(0, state.head);
    state.head = 0;
  }
}

export function computeFeatures(table: EventTable): FeatureMatrix {
  const width = FEATURE_NAMES.length;
  const data = new Float32Array(table.length * width);
  const typeColumn = new Map<number, number>();
  for (let id = 1; id < table.types.size; id++) {
    const k = TYPE_NAMES.indexOf(table.types.name(id));
    typeColumn.set(id, NUMERIC.length + (k < 0 ? TYPE_NAMES.length : k));
  }
  const channelBase = NUMERIC.length + TYPE_NAMES.length + 1;
  const channelColumn = new Map<number, number>();
  for (let id = 1; id < table.channels.size; id++) {
    const k = CHANNEL_NAMES.indexOf(table.channels.name(id));
    channelColumn.set(id, channelBase + (k < 0 ? CHANNEL_NAMES.length : k));
  }
  const withdrawType = table.types.lookup('withdraw');
  const depositType = table.types.lookup('deposit');
  const inquiryType = table.types.lookup('current_balance');
  const accounts: (AccountState | undefined)[] = [];
  const histories = new Map<string, AmountHistory>();
  const scratch = new Float64Array(HISTORY);

  for (let i = 0; i < table.length; i++) {
    const now = table.timeMs[i] ?? 0;
    const accountId = table.account[i] ?? 0;
    const type = table.type[i] ?? 0;
    const channel = table.channel[i] ?? 0;
    const amount = table.amount[i] ?? 0;
    const balance = table.balance[i] ?? 0;
    const declined = table.declined[i] === 1;
    const counterparty = table.counterparty[i] ?? 0;
    const category = table.category[i] ?? 0;
    const state = (accounts[accountId] ??= newAccount());
    expire(state, now);
    const logAmount = Math.log1p(amount);
    const key = `${accountId}:${type}:${channel}`;
    let history = histories.get(key);
    if (!history) histories.set(key, (history = { values: new Float64Array(HISTORY), count: 0 }));

    let robustZ = 0;
    let vsMax = 0;
    const kept = Math.min(history.count, HISTORY);
    if (kept >= MIN_HISTORY) {
      scratch.set(history.values.subarray(0, kept));
      const sorted = scratch.subarray(0, kept).sort();
      const med = median(sorted, kept);
      vsMax = logAmount - (sorted[kept - 1] ?? 0);
      for (let k = 0; k < kept; k++) sorted[k] = Math.abs((sorted[k] ?? 0) - med);
      const mad = median(sorted.sort(), kept);
      robustZ = (logAmount - med) / (MAD_TO_SIGMA * mad + MAD_FLOOR);
    }
    let count1h = 0;
    let outflow24h = 0;
    let inflow24h = 0;
    let declines24h = 0;
    let newCounterparties1h = 0;
    for (let k = state.head; k < state.times.length; k++) {
      if ((state.times[k] ?? 0) > now - HOUR_MS) {
        count1h++;
        newCounterparties1h += state.newCounterparties[k] ?? 0;
      }
      outflow24h += state.outflows[k] ?? 0;
      inflow24h += state.inflows[k] ?? 0;
      declines24h += state.declines[k] ?? 0;
    }
    const outflow = type === withdrawType && !declined ? amount : 0;
    const inflow = type === depositType && !declined ? amount : 0;
    const typical = Math.max(Math.abs(state.typicalBalance), MIN_TYPICAL_BALANCE);

    const row = i * width;
    const f = (column: number, value: number) => {
      data[row + column] = value;
    };
    f(0, logAmount);
    f(1, robustZ);
    f(2, vsMax);
    f(3, Math.log1p(history.count));
    f(4, state.events === 0 ? -1 : Math.log1p((now - state.lastMs) / 1000));
    f(5, count1h);
    f(6, state.times.length - state.head);
    f(7, Math.log1p(outflow24h));
    f(8, (outflow24h + outflow) / typical);
    f(9, Math.log1p(inflow24h));
    f(10, Math.floor((now % DAY_MS) / HOUR_MS));
    f(11, balance / typical);
    f(12, balance === 0 ? 1 : 0);
    f(13, state.events > 0 && state.lastBalance > 0 ? Math.min(amount / state.lastBalance, 100) : -1);
    f(14, Math.log1p(state.events));
    f(15, declined ? 1 : 0);
    f(16, declines24h);
    f(17, counterparty !== 0 ? 1 : 0);
    const isNewCounterparty = counterparty !== 0 && !state.counterparties.has(counterparty) ? 1 : 0;
    f(18, isNewCounterparty);
    f(19, category === 0 ? -1 : state.categorised > 0 ? (state.categories.get(category) ?? 0) / state.categorised : 0);
    f(20, state.lastInquiryMs === 0 ? -1 : Math.log1p((now - state.lastInquiryMs) / 1000));
    f(21, newCounterparties1h);
    f(typeColumn.get(type) ?? NUMERIC.length + TYPE_NAMES.length, 1);
    f(channelColumn.get(channel) ?? channelBase + CHANNEL_NAMES.length, 1);

    // Only now does the record become part of its account's past.
    history.values[history.count % HISTORY] = logAmount;
    history.count++;
    state.events++;
    state.lastMs = now;
    state.lastBalance = balance;
    state.typicalBalance = state.events === 1 ? balance : state.typicalBalance + TYPICAL_BALANCE_WEIGHT * (balance - state.typicalBalance);
    state.times.push(now);
    state.outflows.push(outflow);
    state.inflows.push(inflow);
    state.declines.push(declined ? 1 : 0);
    state.newCounterparties.push(isNewCounterparty);
    if (type === inquiryType) state.lastInquiryMs = now;
    if (counterparty !== 0) state.counterparties.add(counterparty);
    if (category !== 0) {
      state.categories.set(category, (state.categories.get(category) ?? 0) + 1);
      state.categorised++;
    }
  }
  return { names: FEATURE_NAMES, rows: table.length, width, data };
}
