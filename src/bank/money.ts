// Money is integer cents everywhere inside buzzline; major units (dollars with 2 decimals) exist only on
// the wire and in human-readable output. Integers keep ledgers exact: 0.1 + 0.2 never leaks into a balance.

export type Cents = number;

export function assertCents(value: number, what = 'amount'): Cents {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be an integer number of cents, got ${value}`);
  return value;
}

// 1234 -> 12.34. Dividing an integer by 100 yields the double closest to the 2-decimal value, which
// JSON.stringify prints with exactly those decimals.
export function centsToMajor(cents: Cents): number {
  return cents / 100;
}

// 12.34 -> 1234. Rounds away float noise such as 0.1 + 0.2; callers that must reject sub-cent input
// check hasAtMostTwoDecimals first.
export function majorToCents(major: number): Cents {
  if (!Number.isFinite(major)) throw new RangeError(`amount must be a finite number, got ${major}`);
  return Math.round(major * 100);
}

export function hasAtMostTwoDecimals(major: number): boolean {
  return Number.isFinite(major) && Math.abs(major * 100 - Math.round(major * 100)) < 1e-6;
}

// 123456 -> "1234.56", -5 -> "-0.05". String arithmetic, so no float rounding can show up.
export function formatCents(cents: Cents): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const fraction = abs % 100;
  return `${sign}${whole}.${fraction < 10 ? '0' : ''}${fraction}`;
}

// 123456, 'USD' -> "$1,234.56" for status lines and logs meant for people.
export function formatMoney(cents: Cents, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
