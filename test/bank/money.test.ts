import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCents, centsToMajor, formatCents, formatMoney, hasAtMostTwoDecimals, majorToCents } from '../../src/bank/money.ts';

test('centsToMajor serialises to exactly two decimals or fewer', () => {
  for (let cents = -1000; cents <= 100_000; cents += 7) {
    const text = JSON.stringify(centsToMajor(cents));
    assert.match(text, /^-?\d+(\.\d{1,2})?$/, `${cents} cents -> ${text}`);
    assert.equal(majorToCents(Number(text)), cents);
  }
  assert.equal(JSON.stringify({ amount: centsToMajor(1234) }), '{"amount":12.34}');
});

test('majorToCents rounds away float noise', () => {
  assert.equal(majorToCents(0.1 + 0.2), 30);
  assert.equal(majorToCents(19.99), 1999);
  assert.throws(() => majorToCents(Number.NaN), RangeError);
});

test('hasAtMostTwoDecimals separates cents from sub-cent values', () => {
  assert.equal(hasAtMostTwoDecimals(12.34), true);
  assert.equal(hasAtMostTwoDecimals(0.1 + 0.2), true);
  assert.equal(hasAtMostTwoDecimals(12.345), false);
  assert.equal(hasAtMostTwoDecimals(Number.POSITIVE_INFINITY), false);
});

test('formatCents writes fixed two decimals without float rounding', () => {
  assert.equal(formatCents(0), '0.00');
  assert.equal(formatCents(5), '0.05');
  assert.equal(formatCents(-5), '-0.05');
  assert.equal(formatCents(123456), '1234.56');
  assert.equal(formatCents(9_007_199_254_740_991), '90071992547409.91');
});

test('formatMoney is for people', () => {
  assert.equal(formatMoney(123456), '$1,234.56');
  assert.equal(formatMoney(-250, 'EUR'), '-€2.50');
});

test('assertCents rejects fractions of a cent', () => {
  assert.equal(assertCents(12), 12);
  assert.throws(() => assertCents(1.5), /integer number of cents/);
});
