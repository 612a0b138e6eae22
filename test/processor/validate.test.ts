import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCents, validate, type DlqReason } from '../../src/processor/validate.ts';
import { T0 } from './helpers.ts';

const position = { partition: 3, offset: 1234n, timestampMs: T0 };
const LIMIT = 1024;
const run = (value: Buffer | string | null) => validate(typeof value === 'string' ? Buffer.from(value) : value, position, LIMIT);

const full = {
  transaction_id: 'f3b9c2d0-0001',
  timestamp: '2025-01-15T09:30:00.250Z',
  account_id: 'ACC-1001',
  customer_id: 'CUST-77',
  account_type: 'checking',
  transaction_type: 'withdraw',
  amount: 120.5,
  balance: -3.25,
  currency: 'EUR',
  channel: 'atm',
};
const minimal = { account_id: 'ACC-1001', transaction_type: 'deposit', amount: 100 };
const json = (patch: Record<string, unknown>, base: Record<string, unknown> = minimal): string => JSON.stringify({ ...base, ...patch });

test('the full schema normalizes to integer cents and event time', () => {
  const r = run(JSON.stringify(full));
  assert.ok(r.ok);
  assert.deepEqual(r.tx, {
    transactionId: 'f3b9c2d0-0001',
    derivedId: false,
    accountId: 'ACC-1001',
    type: 'withdraw',
    amountCents: 120_50,
    balanceCents: -3_25,
    timestampMs: Date.UTC(2025, 0, 15, 9, 30, 0, 250),
    customerId: 'CUST-77',
    accountType: 'checking',
    currency: 'EUR',
    channel: 'atm',
    counterpartyId: null,
    merchantCategory: null,
    status: 'approved',
    declineReason: null,
    lowBalanceThresholdCents: null,
    overdraftLimitCents: null,
    partition: 3,
    offset: '1234',
  });
});

test('the optional fields of message v2 normalize, limits to cents', () => {
  const r = run(
    json(
      {
        channel: 'p2p',
        counterparty_id: 'CHK-0000042',
        merchant_category: 'money_transfer',
        status: 'declined',
        decline_reason: 'insufficient_funds',
        low_balance_threshold: 250.5,
        overdraft_limit: 0,
      },
      full,
    ),
  );
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.equal(r.tx.channel, 'p2p');
  assert.equal(r.tx.counterpartyId, 'CHK-0000042');
  assert.equal(r.tx.merchantCategory, 'money_transfer');
  assert.equal(r.tx.status, 'declined');
  assert.equal(r.tx.declineReason, 'insufficient_funds');
  assert.equal(r.tx.lowBalanceThresholdCents, 250_50);
  assert.equal(r.tx.overdraftLimitCents, 0);
});

test('the seed minimal message gets a partition-offset id and the record time', () => {
  const r = run(JSON.stringify(minimal));
  assert.ok(r.ok);
  assert.equal(r.tx.transactionId, '3-1234');
  assert.equal(r.tx.derivedId, true);
  assert.equal(r.tx.timestampMs, T0);
  assert.equal(r.tx.amountCents, 100_00);
  assert.equal(r.tx.balanceCents, null);
  assert.equal(r.tx.accountType, null);
  assert.equal(r.tx.status, 'approved');
  assert.equal(r.tx.counterpartyId, null);
  assert.equal(r.tx.lowBalanceThresholdCents, null);
});

// The record's time stands in for a message without a timestamp, and must be a time a message's own
// timestamp could be: otherwise one record from a producer with a broken clock (or none: Kafka's -1 on a
// partition without a watermark yet, passed as 0) moved the partition's event time to 1970 or past 9999.
test('a message without a timestamp whose record time is outside 2000..2100 is a bad_timestamp', () => {
  const value = Buffer.from(JSON.stringify(minimal));
  for (const recordMs of [0, 1, Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2100, 0, 1), 253_402_300_800_000, 9e18]) {
    const r = validate(value, { ...position, timestampMs: recordMs }, LIMIT);
    assert.ok(!r.ok && r.reason === 'bad_timestamp', `${recordMs}: ${JSON.stringify(r)}`);
    assert.match(r.message, /no timestamp in the message, and the record's \(\d+\) is not between 2000 and 2100/);
  }
  for (const recordMs of [Date.UTC(2000, 0, 1), Date.UTC(2099, 11, 31, 23, 59, 59, 999)]) {
    const r = validate(value, { ...position, timestampMs: recordMs }, LIMIT);
    assert.ok(r.ok && r.tx.timestampMs === recordMs, `${recordMs}: ${JSON.stringify(r)}`);
  }
  // The message's own timestamp is what counts when there is one.
  const own = validate(Buffer.from(JSON.stringify({ ...minimal, timestamp: '2025-01-15T09:30:00Z' })), { ...position, timestampMs: 9e18 }, LIMIT);
  assert.ok(own.ok && own.tx.timestampMs === Date.UTC(2025, 0, 15, 9, 30));
});

const accepted: Array<[string, string, (tx: Extract<ReturnType<typeof run>, { ok: true }>['tx']) => void]> = [
  ['nulls in optional fields (Python None)', json({ transaction_id: null, balance: null, channel: null, timestamp: null }), (t) => assert.equal(t.transactionId, '3-1234')],
  ['amounts that binary floating point cannot hold exactly', json({ amount: 0.29, balance: 1234567.89 }), (t) => assert.deepEqual([t.amountCents, t.balanceCents], [29, 123456789])],
  ['a zero amount', json({ amount: 0 }), (t) => assert.equal(t.amountCents, 0)],
  ['a timestamp without zone is UTC', json({ timestamp: '2025-01-15T09:30:00' }), (t) => assert.equal(t.timestampMs, Date.UTC(2025, 0, 15, 9, 30))],
  ['a Python str(datetime) timestamp with microseconds', json({ timestamp: '2025-01-15 09:30:00.123456' }), (t) => assert.equal(t.timestampMs, Date.UTC(2025, 0, 15, 9, 30, 0, 123))],
  ['a timestamp with an offset', json({ timestamp: '2025-01-15T10:30:00+01:00' }), (t) => assert.equal(t.timestampMs, Date.UTC(2025, 0, 15, 9, 30))],
  ['February 29 of a leap year', json({ timestamp: '2024-02-29T23:59:59Z' }), (t) => assert.equal(t.timestampMs, Date.UTC(2024, 1, 29, 23, 59, 59))],
  ['nulls in the optional fields of message v2', json({ counterparty_id: null, merchant_category: null, status: null, decline_reason: null, low_balance_threshold: null, overdraft_limit: null }), (t) => assert.equal(t.status, 'approved')],
  ['a merchant category the processor has not heard of', json({ merchant_category: 'pet_supplies2' }), (t) => assert.equal(t.merchantCategory, 'pet_supplies2')],
  ['unknown extra fields', json({ merchant: 'ACME', risk: 0.3 }), (t) => assert.equal(t.accountId, 'ACC-1001')],
  ['a UTF-8 byte order mark', `\uFEFF${JSON.stringify(minimal)}`, (t) => assert.equal(t.type, 'deposit')],
];

for (const [name, value, check] of accepted) {
  test(`accepts ${name}`, () => {
    const r = run(value);
    assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${r.message}`);
    check(r.tx);
  });
}

const rejected: Array<[string, Buffer | string | null, DlqReason]> = [
  ['a null value (tombstone)', null, 'empty'],
  ['zero bytes', '', 'empty'],
  ['a value over the size limit', json({ note: 'x'.repeat(LIMIT) }), 'oversize'],
  ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'bad_json'],
  ['truncated JSON', '{"account_id": "A", "amount": 1', 'bad_json'],
  ['plain text', 'deposit 100 to A', 'bad_json'],
  ['a JSON array', '[1,2,3]', 'not_object'],
  ['a JSON string', '"hello"', 'not_object'],
  ['JSON null', 'null', 'not_object'],
  ['missing account_id', JSON.stringify({ transaction_type: 'deposit', amount: 1 }), 'missing_field'],
  ['missing transaction_type', JSON.stringify({ account_id: 'A', amount: 1 }), 'missing_field'],
  ['missing amount', JSON.stringify({ account_id: 'A', transaction_type: 'deposit' }), 'missing_field'],
  ['null amount', json({ amount: null }), 'missing_field'],
  ['a numeric account_id', json({ account_id: 1001 }), 'wrong_type'],
  ['an amount as a string', json({ amount: '100.00' }), 'wrong_type'],
  ['a numeric transaction_type', json({ transaction_type: 2 }), 'wrong_type'],
  ['a boolean balance', json({ balance: true }), 'wrong_type'],
  ['an epoch-number timestamp', json({ timestamp: 1736933400000 }), 'wrong_type'],
  ['an unknown transaction_type', json({ transaction_type: 'refund' }), 'unknown_type'],
  ['a transaction_type in the wrong case', json({ transaction_type: 'Deposit' }), 'unknown_type'],
  ['a negative amount', json({ amount: -5 }), 'bad_amount'],
  ['a NaN amount (Python json.dumps)', '{"account_id": "A", "transaction_type": "deposit", "amount": NaN}', 'bad_amount'],
  ['an Infinity amount', '{"account_id": "A", "transaction_type": "deposit", "amount": -Infinity}', 'bad_amount'],
  ['fractions of a cent', json({ amount: 10.005 }), 'bad_amount'],
  ['an amount beyond exact cents', json({ amount: 1e17 }), 'bad_amount'],
  ['a NaN balance', '{"account_id": "A", "transaction_type": "deposit", "amount": 1, "balance": NaN}', 'bad_balance'],
  ['fractions of a cent in the balance', json({ balance: 1.001 }), 'bad_balance'],
  ['a date-only timestamp', json({ timestamp: '2025-01-15' }), 'bad_timestamp'],
  ['a free-text date', json({ timestamp: 'January 15, 2025' }), 'bad_timestamp'],
  ['an impossible date', json({ timestamp: '2025-02-30T10:00:00Z' }), 'bad_timestamp'],
  ['an impossible time', json({ timestamp: '2025-01-15T24:00:00Z' }), 'bad_timestamp'],
  ['month 13', json({ timestamp: '2025-13-01T10:00:00Z' }), 'bad_timestamp'],
  ['a timestamp before 2000', json({ timestamp: '1970-01-01T00:00:00Z' }), 'bad_timestamp'],
  ['an empty account_id', json({ account_id: '' }), 'invalid_field'],
  ['an overlong transaction_id', json({ transaction_id: 'x'.repeat(129) }), 'invalid_field'],
  ['an unknown account_type', json({ account_type: 'brokerage' }), 'invalid_field'],
  ['an unknown channel', json({ channel: 'carrier-pigeon' }), 'invalid_field'],
  ['a malformed currency', json({ currency: 'euro' }), 'invalid_field'],
  ['a numeric counterparty_id', json({ counterparty_id: 42 }), 'wrong_type'],
  ['an empty counterparty_id', json({ counterparty_id: '' }), 'invalid_field'],
  ['a merchant category with capitals', json({ merchant_category: 'Grocery' }), 'invalid_field'],
  ['a merchant category of 33 characters', json({ merchant_category: `a${'b'.repeat(32)}` }), 'invalid_field'],
  ['an unknown status', json({ status: 'pending' }), 'invalid_field'],
  ['a boolean status', json({ status: true }), 'wrong_type'],
  ['a decline reason on an approved transaction', json({ decline_reason: 'card_blocked' }), 'invalid_field'],
  ['a decline reason with spaces', json({ status: 'declined', decline_reason: 'no money' }), 'invalid_field'],
  ['a negative low_balance_threshold', json({ low_balance_threshold: -1 }), 'invalid_field'],
  ['an overdraft_limit with fractions of a cent', json({ overdraft_limit: 1.005 }), 'invalid_field'],
  ['an overdraft_limit as a string', json({ overdraft_limit: '500' }), 'wrong_type'],
];

for (const [name, value, reason] of rejected) {
  test(`rejects ${name} as ${reason}`, () => {
    const r = run(value);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.reason, reason, r.message);
    assert.ok(r.message.length > 0 && r.message.length < 200, r.message);
  });
}

test('toCents accepts exactly two decimals and nothing finer', () => {
  for (let cents = 0; cents < 100_000; cents += 7) assert.equal(toCents(cents / 100), cents);
  assert.equal(toCents(-0), 0);
  assert.equal(Object.is(toCents(-0), -0), false);
  assert.equal(toCents(0.001), null);
  assert.equal(toCents(Number.NaN), null);
});

test('amounts with float noise from the producer side are accepted as the cents they mean', () => {
  // What Python or JavaScript producers write for sums such as 10.1 + 0.2 or 0.1 + 0.2.
  for (const [text, cents] of [['10.300000000000001', 1030], ['0.30000000000000004', 30], ['1234567.8900000001', 123456789], ['99.99999999999999', 10000]] as const) {
    const r = run(`{"account_id":"A-1","transaction_type":"deposit","amount":${text},"balance":${text}}`);
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.message}`);
    if (!r.ok) return;
    assert.equal(r.tx.amountCents, cents, text);
    assert.equal(r.tx.balanceCents, cents, text);
  }
});

test('real sub-cent amounts are dead-lettered with a reason that says so', () => {
  for (const text of ['10.005', '0.001', '10.3001']) {
    const r = run(`{"account_id":"A-1","transaction_type":"deposit","amount":${text}}`);
    assert.equal(r.ok, false, text);
    if (r.ok) return;
    assert.equal(r.reason, 'bad_amount');
    assert.equal(r.message, `amount ${text} has a fraction of a cent: at most 2 decimals are allowed`);
  }
  const balance = run(json({ balance: 1.001 }));
  assert.ok(!balance.ok && balance.message === 'balance 1.001 has a fraction of a cent: at most 2 decimals are allowed', JSON.stringify(balance));
  const huge = run(json({ amount: 1e17 }));
  assert.ok(!huge.ok && huge.message === 'amount 100000000000000000 is too large to hold exactly in cents', JSON.stringify(huge));
});

test('timestamps in the canonical toISOString form read the same as through the general parser', () => {
  const at = (timestamp: string) => {
    const r = run(json({ timestamp }));
    return r.ok ? r.tx.timestampMs : r.reason;
  };
  assert.equal(at('2025-01-15T09:30:00.250Z'), Date.UTC(2025, 0, 15, 9, 30, 0, 250));
  assert.equal(at('2024-02-29T23:59:59.999Z'), Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  assert.equal(at('2000-01-01T00:00:00.000Z'), Date.UTC(2000, 0, 1));
  assert.equal(at('2099-12-31T23:59:59.999Z'), Date.UTC(2099, 11, 31, 23, 59, 59, 999));
  for (const bad of ['2025-02-29T00:00:00.000Z', '2100-02-29T00:00:00.000Z', '2025-04-31T00:00:00.000Z', '2025-00-10T00:00:00.000Z', '2025-01-15T24:00:00.000Z', '2025-01-15T09:60:00.000Z', '2025-01-15T09:30:60.000Z', '1999-12-31T23:59:59.999Z', '2100-01-01T00:00:00.000Z', '2025-01-15T09:3a:00.000Z']) {
    assert.equal(at(bad), 'bad_timestamp', bad);
  }
});

