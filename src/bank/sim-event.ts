// One event of the simulator's stream, and the record value the producer sends for it.
//
// An event keeps what the ledger did (the account, integer cents, the balance after it) rather than the
// message: the Transaction object (`value`) is built the first time someone asks for it, and
// `encodeValue` writes the message's JSON bytes straight from the event. JSON.stringify of a freshly
// built Transaction was half the cost of generating an event (fourteen properties, two strings to
// flatten, four amounts in major units printed as doubles), and the producer then copied its text into
// a Buffer. encodeValue writes the same bytes (test/bank/sim-event.test.ts) into a shared slab: field
// names with the fixed vocabularies around them are copied ready-made, numbers are written digit by digit
// from cents, the transaction id from the event's sequence number, the timestamp from its time, the
// account's and customer's ids from the customer's number and a merchant's id from the merchant's number.
// Reading the id strings (or per-account text made in advance) instead cost a cache miss or two per
// event, as much as all the writing.

import { IsoFormatter } from './calendar.ts';
import { ACCOUNT_ID_PREFIX, CUSTOMER_ID_PREFIX, ID_DIGITS, accountIdOf, accountIndexOf, customerIdOf } from './customers.ts';
import { MERCHANT_ID_DIGITS, MERCHANT_ID_PREFIX, merchantId } from './counterparties.ts';
import type { Counterparty } from './counterparties.ts';
import type { Cents } from './money.ts';
import { ACCOUNT_TYPES, CHANNELS, DECLINE_REASONS, MERCHANT_CATEGORIES, SIM_INCIDENT_HEADER, SIM_LABEL_HEADER, TRANSACTION_TYPES } from './transaction.ts';
import type { AccountType, Channel, DeclineReason, MerchantCategory, SimLabel, Transaction, TransactionType } from './transaction.ts';

const SEQ_DIGITS = 10; // transaction ids end in the sequence number, zero-padded to 10 digits (more once they need more)
// The id's digits but the last three are the same for a thousand events in a row: they are kept written
// out with the JSON before them, so a value starts with one copy and three digits.
const SEQ_BLOCK = 1000;
const SLAB_BYTES = 256 * 1024;
// A value is a few hundred bytes; a fresh slab is started when less than this is left in the current one.
const MAX_VALUE_BYTES = 4096;

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
// Each vocabulary word with the JSON around it, so one copy writes both.
const bytesOf = <T extends string>(words: readonly T[], text: (word: T) => string): Readonly<Record<T, Buffer>> =>
  Object.fromEntries(words.map((word) => [word, ascii(text(word))])) as Record<T, Buffer>;
const CATEGORY = bytesOf(MERCHANT_CATEGORIES, (category) => `,"merchant_category":"${category}"`);
const DECLINED = bytesOf(DECLINE_REASONS, (reason) => `,"status":"declined","decline_reason":"${reason}"`);
// [account type][transaction type]: the account's type, then the transaction's.
const TYPES: Readonly<Record<AccountType, Readonly<Record<TransactionType, Buffer>>>> = {
  checking: bytesOf(TRANSACTION_TYPES, (type) => `","account_type":"checking","transaction_type":"${type}","amount":`),
  savings: bytesOf(TRANSACTION_TYPES, (type) => `","account_type":"savings","transaction_type":"${type}","amount":`),
};
const BALANCE = ascii(',"balance":');
const COUNTERPARTY = ascii(',"counterparty_id":"');
const ACCOUNT_ID = bytesOf(ACCOUNT_TYPES, (type) => `","account_id":"${ACCOUNT_ID_PREFIX[type]}`);
const CUSTOMER_ID = ascii(`","customer_id":"${CUSTOMER_ID_PREFIX}`);
const MERCHANT = ascii(`,"counterparty_id":"${MERCHANT_ID_PREFIX}`);
const OVERDRAFT = ascii(',"overdraft_limit":');

// "00".."99" as ASCII pairs: numbers are written two digits at a time.
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));
const INT32_LIMIT = 2 ** 31;

// Writes the decimal digits of an integer 0 <= n < 2^31, at least `width` of them; returns the end.
// Integer division by a constant on 32-bit values (`| 0`) is a multiply, where Math.floor of a double
// division is several times slower and was a tenth of the encoding.
function writeDigits(bytes: Uint8Array, at: number, n: number, width: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++;
  const end = at + (digits > width ? digits : width);
  let p = end;
  let rest = n | 0;
  while (rest >= 10) {
    const next = (rest / 100) | 0;
    const pair = (rest - next * 100) << 1;
    bytes[--p] = DIGIT_PAIRS[pair + 1] as number;
    bytes[--p] = DIGIT_PAIRS[pair] as number;
    rest = next;
  }
  if (rest > 0) bytes[--p] = 48 + rest;
  while (p > at) bytes[--p] = 48;
  return end;
}

// Writes the characters of an ASCII string; returns the end.
function writeAscii(bytes: Uint8Array, at: number, text: string): number {
  let p = at;
  for (let i = 0; i < text.length; i++) bytes[p++] = text.charCodeAt(i);
  return p;
}

// Writes cents in major units exactly as JSON.stringify(cents / 100) does; returns the end. For whole
// cents under 2^31 in absolute value (any amount or balance short of $21 million) JSON's text is the
// whole part and the fraction without trailing zeros (the double nearest to whole.ff is closer to it
// than to any decimal with fewer digits), written with 32-bit integer arithmetic: four amounts per
// value made Math.floor of double divisions a fifth of the encoding.
function writeMajor(bytes: Uint8Array, at: number, cents: Cents): number {
  const abs = Math.abs(cents);
  if (!(abs < INT32_LIMIT && (abs | 0) === abs)) return writeAscii(bytes, at, JSON.stringify(cents / 100));
  let p = at;
  if (cents < 0) bytes[p++] = 45; // -
  const whole = (abs / 100) | 0;
  p = writeDigits(bytes, p, whole, 1);
  const fraction = abs - whole * 100;
  if (fraction !== 0) {
    bytes[p++] = 46; // .
    bytes[p++] = DIGIT_PAIRS[fraction << 1] as number;
    if (fraction % 10 !== 0) bytes[p++] = DIGIT_PAIRS[(fraction << 1) + 1] as number;
  }
  return p;
}

// JSON's text of cents / 100, as writeMajor writes it.
export function majorJson(cents: Cents): string {
  const bytes = new Uint8Array(32);
  return Buffer.from(bytes.buffer, 0, writeMajor(bytes, 0, cents)).toString('latin1');
}

// What the events of one simulator share: the transaction id prefix, the currency, a timestamp formatter
// and the slab values are written into.
export class EventContext {
  readonly idPrefix: string;
  readonly currency: string;
  readonly iso = new IsoFormatter('","timestamp":"');
  readonly #startJson: string; // {"transaction_id":"tx-…-
  #block = -1; // seq / SEQ_BLOCK of #start
  #start = Buffer.alloc(0); // #startJson and the sequence number's digits up to the last three, of #block
  readonly #channels: Readonly<Record<Channel, Buffer>>; // ,"currency":…,"channel":"…","low_balance_threshold":
  // Values are views into the current slab; a full slab is left to the values that still use it.
  #slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  #used = 0;

  constructor(idPrefix: string, currency: string) {
    this.idPrefix = idPrefix;
    this.currency = currency;
    this.#startJson = `{"transaction_id":${JSON.stringify(idPrefix).slice(0, -1)}`;
    const currencyJson = JSON.stringify(currency);
    this.#channels = Object.fromEntries(CHANNELS.map((channel) => [channel, Buffer.from(`,"currency":${currencyJson},"channel":"${channel}","low_balance_threshold":`, 'utf8')])) as Record<Channel, Buffer>;
  }

  transactionId(seq: number): string {
    return this.idPrefix + String(seq).padStart(SEQ_DIGITS, '0');
  }

  encode(event: SimEvent, shiftMs: number): Buffer {
    if (this.#used > SLAB_BYTES - MAX_VALUE_BYTES - 4 * this.currency.length) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#used = 0;
    }
    const bytes = this.#slab;
    const start = this.#used;
    const seq = event.seq;
    const block = Math.floor(seq / SEQ_BLOCK);
    if (block !== this.#block) {
      this.#block = block;
      this.#start = Buffer.from(this.#startJson + String(block).padStart(SEQ_DIGITS - 3, '0'), 'utf8');
    }
    bytes.set(this.#start, start);
    let p = writeDigits(bytes, start + this.#start.length, seq - block * SEQ_BLOCK, 3);
    p = this.iso.write(event.atMs + shiftMs, bytes, p);
    // The ids as customers.ts makes them, from the customer's number: its digits are written once and
    // copied into the customer's id. The account type picks its pieces by a comparison, cheaper than a
    // lookup keyed by a string.
    const checking = event.accountType === 'checking';
    const accountId = checking ? ACCOUNT_ID.checking : ACCOUNT_ID.savings;
    bytes.set(accountId, p);
    const digits = p + accountId.length;
    p = writeDigits(bytes, digits, event.customerIndex + 1, ID_DIGITS);
    const length = p - digits;
    bytes.set(CUSTOMER_ID, p);
    p += CUSTOMER_ID.length;
    for (let i = 0; i < length; i++) bytes[p + i] = bytes[digits + i] as number;
    p += length;
    const types = (checking ? TYPES.checking : TYPES.savings)[event.type];
    bytes.set(types, p);
    p = writeMajor(bytes, p + types.length, event.amount);
    bytes.set(BALANCE, p);
    p = writeMajor(bytes, p + BALANCE.length, event.balance);
    const channel = this.#channels[event.channel];
    bytes.set(channel, p);
    p = writeMajor(bytes, p + channel.length, event.lowBalanceThreshold);
    bytes.set(OVERDRAFT, p);
    p = writeMajor(bytes, p + OVERDRAFT.length, event.overdraftLimit);
    const counterparty = event.counterparty;
    if (typeof counterparty === 'number') {
      bytes.set(MERCHANT, p);
      p = writeDigits(bytes, p + MERCHANT.length, counterparty + 1, MERCHANT_ID_DIGITS);
      bytes[p++] = 34; // "
    } else if (counterparty !== undefined) {
      bytes.set(COUNTERPARTY, p);
      p = writeAscii(bytes, p + COUNTERPARTY.length, counterparty);
      bytes[p++] = 34; // "
    }
    if (event.category !== undefined) {
      const category = CATEGORY[event.category];
      bytes.set(category, p);
      p += category.length;
    }
    if (event.declined !== undefined) {
      const declined = DECLINED[event.declined];
      bytes.set(declined, p);
      p += declined.length;
    }
    bytes[p++] = 125; // }
    this.#used = p;
    return bytes.subarray(start, p);
  }
}

// The fraud incident an event belongs to (scenarios/fraud.ts's Incident).
export interface EventIncident {
  readonly id: string;
  readonly label: SimLabel;
  readonly headers: Readonly<Record<string, string>>; // { 'sim-label': label, 'sim-incident': id }
}

// An incident's headers, made once per incident (scenarios/fraud.ts) or per incident read back (event-ring.ts).
export function incidentHeaders(id: string, label: SimLabel): Readonly<Record<string, string>> {
  return Object.freeze({ [SIM_LABEL_HEADER]: label, [SIM_INCIDENT_HEADER]: id });
}

const NORMAL_HEADERS: Readonly<Record<string, string>> = Object.freeze({ [SIM_LABEL_HEADER]: 'normal' });

// An event holds what it cannot find elsewhere (the key comes from the customer's number and the account's
// type, label and headers from the incident): one is made per record, and every field is a store and
// eight bytes more to allocate.
export class SimEvent {
  readonly atMs: number; // simulated time of the event, epoch ms (value.timestamp as a number)
  // The message's own fields, money in integer cents.
  readonly seq: number; // the event's number in the stream, from 0: its transaction id
  // The account: the customer's number and the account's type make its ids (customers.ts); the other two
  // never change for an account. Numbers rather than the Account object: an event read back on the
  // producer's thread (simulator-thread.ts) has no Account, and writing a value from the event's own
  // fields saves reaching into one.
  readonly customerIndex: number;
  readonly accountType: AccountType;
  readonly lowBalanceThreshold: Cents;
  readonly overdraftLimit: Cents;
  readonly type: TransactionType;
  readonly amount: Cents;
  readonly balance: Cents; // after the event
  readonly channel: Channel;
  readonly counterparty: Counterparty | undefined;
  readonly category: MerchantCategory | undefined;
  readonly declined: DeclineReason | undefined;
  readonly #incident: EventIncident | undefined;
  readonly #context: EventContext;
  #value: Transaction | undefined = undefined;

  constructor(
    context: EventContext,
    seq: number,
    atMs: number,
    customerIndex: number,
    accountType: AccountType,
    lowBalanceThreshold: Cents,
    overdraftLimit: Cents,
    type: TransactionType,
    amount: Cents,
    balance: Cents,
    channel: Channel,
    counterparty: Counterparty | undefined,
    category: MerchantCategory | undefined,
    declined: DeclineReason | undefined,
    incident: EventIncident | undefined,
  ) {
    this.atMs = atMs;
    this.seq = seq;
    this.customerIndex = customerIndex;
    this.accountType = accountType;
    this.lowBalanceThreshold = lowBalanceThreshold;
    this.overdraftLimit = overdraftLimit;
    this.type = type;
    this.amount = amount;
    this.balance = balance;
    this.channel = channel;
    this.counterparty = counterparty;
    this.category = category;
    this.declined = declined;
    this.#incident = incident;
    this.#context = context;
  }

  // account_id: keeps one account's events in one partition, in order.
  get key(): string {
    return accountIdOf(this.customerIndex, this.accountType);
  }

  // The account's number in the bank (accountIndexOf), for callers that keep something per account (the
  // producer its key bytes).
  get accountIndex(): number {
    return accountIndexOf(this.customerIndex, this.accountType);
  }

  get label(): SimLabel {
    return this.#incident?.label ?? 'normal';
  }

  // The fraud incident's id, on every record of the incident.
  get incident(): string | undefined {
    return this.#incident?.id;
  }

  // { 'sim-label': label, 'sim-incident'?: incident }
  get headers(): Readonly<Record<string, string>> {
    return this.#incident?.headers ?? NORMAL_HEADERS;
  }

  // The bank_alerts message, in the documented field order (JSON.stringify writes them in this order).
  get value(): Transaction {
    if (this.#value !== undefined) return this.#value;
    const value: Transaction = {
      transaction_id: this.#context.transactionId(this.seq),
      timestamp: this.#context.iso.format(this.atMs),
      account_id: this.key,
      customer_id: customerIdOf(this.customerIndex),
      account_type: this.accountType,
      transaction_type: this.type,
      amount: this.amount / 100,
      balance: this.balance / 100,
      currency: this.#context.currency,
      channel: this.channel,
      low_balance_threshold: this.lowBalanceThreshold / 100,
      overdraft_limit: this.overdraftLimit / 100,
    };
    if (this.counterparty !== undefined) value.counterparty_id = typeof this.counterparty === 'number' ? merchantId(this.counterparty) : this.counterparty;
    if (this.category !== undefined) value.merchant_category = this.category;
    if (this.declined !== undefined) {
      value.status = 'declined';
      value.decline_reason = this.declined;
    }
    this.#value = value;
    return value;
  }

  // The record value the producer sends: the bytes of JSON.stringify(value), with the timestamp moved
  // by `shiftMs` when the producer moves the bank's clock (runs at --speed 1 are shifted to the present).
  // A view into a shared slab, written once and never overwritten.
  encodeValue(shiftMs = 0): Buffer {
    return this.#context.encode(this, shiftMs);
  }
}
