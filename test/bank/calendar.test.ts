import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, HOUR_MS, IsoFormatter, dayOfWeek, hourOfWeek, nextBiweeklyFriday, nextMonthlyDate } from '../../src/bank/calendar.ts';
import { Rng } from '../../src/bank/rng.ts';

test('IsoFormatter matches Date#toISOString, across days and in any order', () => {
  const formatter = new IsoFormatter();
  const rng = new Rng('iso');
  let t = Date.UTC(2024, 1, 28, 23, 59, 59, 990);
  for (let i = 0; i < 20_000; i++) {
    t += rng.exponential(60_000);
    assert.equal(formatter.format(t), new Date(t).toISOString());
  }
  // Many within the same minute, as the simulator stamps them.
  for (let i = 0; i < 20_000; i++) {
    t += rng.exponential(700);
    assert.equal(formatter.format(t), new Date(t).toISOString());
  }
  for (let i = 0; i < 2_000; i++) {
    const random = Date.UTC(1999, 0, 1) + rng.next() * 40 * 365 * DAY_MS;
    assert.equal(formatter.format(random), new Date(random).toISOString());
  }
});

test('dayOfWeek and hourOfWeek use Sunday 00:00 UTC as zero', () => {
  const sunday = Date.UTC(2025, 5, 1); // 2025-06-01 was a Sunday
  assert.equal(dayOfWeek(sunday), 0);
  assert.equal(hourOfWeek(sunday + 5 * HOUR_MS), 5);
  assert.equal(hourOfWeek(sunday + 6 * DAY_MS + 23 * HOUR_MS), 167);
});

test('nextBiweeklyFriday returns Fridays two weeks apart at the given time', () => {
  const time = 6 * HOUR_MS;
  let t = Date.UTC(2025, 0, 1);
  const paydays: number[] = [];
  for (let i = 0; i < 10; i++) {
    t = nextBiweeklyFriday(t, 1, time);
    paydays.push(t);
  }
  for (const day of paydays) {
    assert.equal(dayOfWeek(day), 5);
    assert.equal(day % DAY_MS, time);
  }
  for (let i = 1; i < paydays.length; i++) assert.equal((paydays[i] ?? 0) - (paydays[i - 1] ?? 0), 14 * DAY_MS);
  // The other phase pays on the alternate Fridays.
  const start = Date.UTC(2025, 0, 1);
  assert.equal(Math.abs(nextBiweeklyFriday(start, 0, time) - nextBiweeklyFriday(start, 1, time)), 7 * DAY_MS);
});

test('nextMonthlyDate moves weekend dates to the Friday before and handles month ends', () => {
  // 2025-11-15 is a Saturday: semimonthly payroll comes on Friday the 14th.
  assert.equal(nextMonthlyDate(Date.UTC(2025, 10, 1), [15, 31], 0, true), Date.UTC(2025, 10, 14));
  // Day 31 means the last day: 2025-02-28 (a Friday).
  assert.equal(nextMonthlyDate(Date.UTC(2025, 1, 16), [15, 31], 0, true), Date.UTC(2025, 1, 28));
  // 2025-05-31 is a Saturday; without the business-day rule the date stays.
  assert.equal(nextMonthlyDate(Date.UTC(2025, 4, 20), [31], HOUR_MS, false), Date.UTC(2025, 4, 31, 1));
  assert.equal(nextMonthlyDate(Date.UTC(2025, 4, 20), [31], HOUR_MS, true), Date.UTC(2025, 4, 30, 1));
  // Strictly after: the same instant rolls to the next month, across the year end.
  assert.equal(nextMonthlyDate(Date.UTC(2025, 11, 3), [3], 0, false), Date.UTC(2026, 0, 3));
});
