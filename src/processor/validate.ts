// Turns one raw bank_alerts record value into a normalized transaction, or into a DLQ reason. Nothing in
// here throws on bad input: the processor must survive any bytes a producer can send, so every failure
// is a value with a short machine code (a DLQ header and a metrics dimension) and a human message.
//
// Accepted: the full Transaction schema, and the seed's minimal message {account_id, transaction_type,
// amount}. Optional fields may be absent or null (Python producers write None as null); when present
// they must be well formed, because a wrong value in an optional field means the producer is broken and
// guessing would hide it. Unknown extra fields are ignored so producers can evolve first.
import {
  ACCOUNT_TYPES,
  CHANNELS,
  TRANSACTION_TYPES,
  type AccountType,
  type Channel,
  type TransactionType,
} from '../bank/transaction.ts';

export const DLQ_REASONS = [
  'oversize', // value larger than maxMessageBytes; checked before decoding anything
  'empty', // null value (tombstone) or zero bytes
  'bad_json', // not UTF-8 or not JSON
  'not_object', // JSON, but not an object
  'missing_field', // account_id, transaction_type or amount absent or null
  'wrong_type', // a field has the wrong JSON type
  'unknown_type', // transaction_type outside TRANSACTION_TYPES
  'bad_amount', // negative, NaN/Infinity, more than 2 decimals, or beyond exact integer cents
  'bad_balance', // balance present but NaN/Infinity, more than 2 decimals, or too large
  'bad_timestamp', // timestamp present but not ISO 8601 or outside 2000..2100
  'invalid_field', // empty/oversized ids, unknown account_type or channel, malformed currency
] as const;
export type DlqReason = (typeof DLQ_REASONS)[number];

export interface NormalizedTx {
  transactionId: string;
  derivedId: boolean; // true when the message had no transaction_id and we derived `${partition}-${offset}`
  accountId: string;
  type: TransactionType;
  amountCents: number; // >= 0
  balanceCents: number | null; // the message's balance field only; rules/balance.ts derives the rest
  timestampMs: number; // event time: the message's timestamp, else the record timestamp
  customerId: string | null;
  accountType: AccountType | null;
  currency: string | null;
  channel: Channel | null;
  partition: number;
  offset: string; // decimal string: offsets are int64 and must survive JSON snapshots
}

export type ValidationResult = { ok: true; tx: NormalizedTx } | { ok: false; reason: DlqReason; message: string };

export interface RecordPosition {
  partition: number;
  offset: bigint | number | string;
  timestampMs: number; // record timestamp, the event time fallback for minimal messages
}

const MAX_ID_LENGTH = 128;
const MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);
const MAX_TIMESTAMP_MS = Date.UTC(2100, 0, 1);
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
// Python's json.dumps writes NaN and Infinity as bare words, which JSON.parse rejects. Recognising them
// turns a puzzling bad_json into the bad_amount the producer author needs to hear about.
const NON_FINITE_FIELD = /"(amount|balance)"\s*:\s*-?(?:NaN|Infinity)\b/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const TYPE_SET: ReadonlySet<string> = new Set(TRANSACTION_TYPES);
const ACCOUNT_TYPE_SET: ReadonlySet<string> = new Set(ACCOUNT_TYPES);
const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);

export function validate(value: Buffer | null | undefined, position: RecordPosition, maxMessageBytes: number): ValidationResult {
  if (value === null || value === undefined || value.length === 0) return fail('empty', 'record has no value');
  if (value.length > maxMessageBytes) return fail('oversize', `value is ${value.length} bytes, limit ${maxMessageBytes}`);

  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return fail('bad_json', 'value is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const nonFinite = NON_FINITE_FIELD.exec(text);
    if (nonFinite) return fail(nonFinite[1] === 'amount' ? 'bad_amount' : 'bad_balance', `${nonFinite[1]} is not a finite number`);
    return fail('bad_json', (err as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('not_object', `expected a JSON object, got ${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed}`);
  }
  const msg = parsed as Record<string, unknown>;

  for (const field of ['account_id', 'transaction_type', 'amount'] as const) {
    if (msg[field] === undefined || msg[field] === null) return fail('missing_field', `${field} is required`);
  }

  const accountId = requiredId(msg, 'account_id');
  if (!accountId.ok) return accountId;

  const type = msg.transaction_type;
  if (typeof type !== 'string') return fail('wrong_type', `transaction_type must be a string, got ${typeName(type)}`);
  if (!TYPE_SET.has(type)) return fail('unknown_type', `transaction_type ${JSON.stringify(type.slice(0, 40))} is not one of ${TRANSACTION_TYPES.join(', ')}`);

  if (typeof msg.amount !== 'number') return fail('wrong_type', `amount must be a number, got ${typeName(msg.amount)}`);
  if (msg.amount < 0) return fail('bad_amount', `amount ${msg.amount} is negative`);
  const amountCents = toCents(msg.amount);
  if (amountCents === null) return fail('bad_amount', `amount ${msg.amount} is not a whole number of cents`);

  let balanceCents: number | null = null;
  if (msg.balance !== undefined && msg.balance !== null) {
    if (typeof msg.balance !== 'number') return fail('wrong_type', `balance must be a number, got ${typeName(msg.balance)}`);
    balanceCents = toCents(msg.balance);
    if (balanceCents === null) return fail('bad_balance', `balance ${msg.balance} is not a whole number of cents`);
  }

  let transactionId = `${position.partition}-${String(position.offset)}`;
  let derivedId = true;
  if (msg.transaction_id !== undefined && msg.transaction_id !== null) {
    const id = requiredId(msg, 'transaction_id');
    if (!id.ok) return id;
    transactionId = id.value;
    derivedId = false;
  }

  let timestampMs = position.timestampMs;
  if (msg.timestamp !== undefined && msg.timestamp !== null) {
    if (typeof msg.timestamp !== 'string') return fail('wrong_type', `timestamp must be an ISO 8601 string, got ${typeName(msg.timestamp)}`);
    const ms = parseTimestamp(msg.timestamp);
    if (ms === null) return fail('bad_timestamp', `timestamp ${JSON.stringify(msg.timestamp.slice(0, 40))} is not ISO 8601 between 2000 and 2100`);
    timestampMs = ms;
  }

  const customerId = optionalString(msg, 'customer_id');
  if (customerId !== null && !customerId.ok) return customerId;
  const accountType = optionalEnum(msg, 'account_type', ACCOUNT_TYPE_SET);
  if (accountType !== null && !accountType.ok) return accountType;
  const channel = optionalEnum(msg, 'channel', CHANNEL_SET);
  if (channel !== null && !channel.ok) return channel;
  const currency = optionalString(msg, 'currency');
  if (currency !== null && !currency.ok) return currency;
  if (currency !== null && !/^[A-Z]{3}$/.test(currency.value)) {
    return fail('invalid_field', `currency ${JSON.stringify(currency.value.slice(0, 40))} is not an ISO 4217 code`);
  }

  return {
    ok: true,
    tx: {
      transactionId,
      derivedId,
      accountId: accountId.value,
      type: type as TransactionType,
      amountCents,
      balanceCents,
      timestampMs,
      customerId: customerId?.value ?? null,
      accountType: (accountType?.value ?? null) as AccountType | null,
      currency: currency?.value ?? null,
      channel: (channel?.value ?? null) as Channel | null,
      partition: position.partition,
      offset: String(position.offset),
    },
  };
}

type Failure = { ok: false; reason: DlqReason; message: string };
type Field = { ok: true; value: string } | Failure;

function fail(reason: DlqReason, message: string): Failure {
  return { ok: false, reason, message };
}

// Major units with at most 2 decimals -> exact integer cents. Binary floating point cannot hold most
// decimals exactly (0.29 * 100 = 28.999999999999996), so "whole cents" means within rounding noise
// of an integer, with the allowed noise growing with the magnitude.
export function toCents(major: number): number | null {
  if (!Number.isFinite(major)) return null;
  const scaled = major * 100;
  const cents = Math.round(scaled);
  if (!Number.isSafeInteger(cents)) return null;
  if (Math.abs(scaled - cents) > 1e-6 + Math.abs(scaled) * 1e-12) return null;
  return cents === 0 ? 0 : cents; // no -0: it would print as "0" in a snapshot and compare oddly
}

function parseTimestamp(text: string): number | null {
  const m = ISO_8601.exec(text);
  if (!m) return null;
  // Date.parse rolls impossible dates over (February 30 becomes March 2), so check the calendar first.
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((g) => Number(g ?? 0)) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  // Without an offset, Date.parse would use the host's local zone; the schema says UTC.
  const ms = Date.parse(m[7] === undefined ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T'));
  if (!Number.isFinite(ms) || ms < MIN_TIMESTAMP_MS || ms >= MAX_TIMESTAMP_MS) return null;
  return ms;
}

function requiredId(msg: Record<string, unknown>, field: string): Field {
  const v = msg[field];
  if (typeof v !== 'string') return fail('wrong_type', `${field} must be a string, got ${typeName(v)}`);
  if (v.length === 0 || v.length > MAX_ID_LENGTH) return fail('invalid_field', `${field} must be 1..${MAX_ID_LENGTH} characters, got ${v.length}`);
  return { ok: true, value: v };
}

function optionalString(msg: Record<string, unknown>, field: string): Field | null {
  if (msg[field] === undefined || msg[field] === null) return null;
  return requiredId(msg, field);
}

function optionalEnum(msg: Record<string, unknown>, field: string, allowed: ReadonlySet<string>): Field | null {
  const v = optionalString(msg, field);
  if (v === null || !v.ok) return v;
  if (!allowed.has(v.value)) return fail('invalid_field', `${field} ${JSON.stringify(v.value.slice(0, 40))} is not one of ${[...allowed].join(', ')}`);
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
