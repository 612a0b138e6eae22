import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { planBank, readBankState, writeBankState } from '../../src/producer/bank-state.ts';
import type { BankState } from '../../src/producer/bank-state.ts';
import { ConfigError, resolveProducerConfig } from '../../src/producer/config.ts';
import { tempDir } from '../helpers/broker.ts';

const NOW = Date.UTC(2026, 11, 6, 12);
const STORED: BankState = { version: 1, seed: 'kept', accounts: 1000, fraudRate: 0.05, startMs: Date.UTC(2026, 10, 2), shiftMs: 1234, produced: 42, updatedAt: '2026-12-06T12:00:00.000Z' };

test('the state file round-trips, is replaced atomically, and a missing one is no bank', () => {
  const dir = tempDir('buzzline-bank-state-');
  try {
    const file = path.join(dir, 'nested/bank.json');
    assert.equal(readBankState(file), undefined);
    writeBankState(file, STORED);
    assert.deepEqual(readBankState(file), STORED);
    writeBankState(file, { ...STORED, produced: 43 });
    assert.equal(readBankState(file)?.produced, 43);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['bank.json'], 'no temporary file left behind');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged state file is refused with a line naming it and --new-bank', () => {
  const dir = tempDir('buzzline-bank-state-');
  try {
    const file = path.join(dir, 'bank.json');
    for (const text of ['{not json', '{"version":1}', JSON.stringify({ ...STORED, accounts: 0 }), JSON.stringify({ ...STORED, produced: -1 })]) {
      fs.writeFileSync(file, text);
      assert.throws(() => readBankState(file), (error: unknown) => error instanceof ConfigError && error.message === `the bank state ${file} is damaged; move it away, or pass --new-bank to start a new bank there`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('which bank: the stored one with its own options unless --new-bank or another seed; changes that would alter it are refused', () => {
  const plan = (flags: Parameters<typeof resolveProducerConfig>[0], stored: BankState | undefined = STORED) => planBank(resolveProducerConfig(flags, {}, NOW), stored, 'data/bank.json');
  // Nothing given: the stored bank, with its accounts, fraud rate and start, not the defaults.
  assert.deepEqual(plan({}), { seed: 'kept', accounts: 1000, fraudRate: 0.05, startMs: STORED.startMs, resumed: STORED, why: 'continuing the bank in data/bank.json, seed kept' });
  // The same values given again continue it too.
  assert.equal(plan({ seed: 'kept', accounts: '1000', fraudRate: '0.05', start: new Date(STORED.startMs).toISOString() }).resumed, STORED);
  assert.equal(plan({ start: 'now' }).resumed, STORED, '--start now is the default, not a change');
  // A new bank: none stored, --new-bank, or another seed.
  assert.equal(plan({ seed: 's' }, undefined).resumed, undefined);
  const fresh = plan({ newBank: true, accounts: '10' });
  assert.deepEqual([fresh.resumed, fresh.accounts, fresh.why.startsWith('new bank (--new-bank), seed ')], [undefined, 10, true]);
  assert.deepEqual([plan({ seed: 'other' }).resumed, plan({ seed: 'other' }).why], [undefined, 'new bank: seed other instead of kept (state in data/bank.json)']);
  // Refused, all reasons at once.
  assert.throws(() => plan({ rate: '1', fraudRate: '0.002', start: '2025-01-01T00:00:00Z' }), (error: unknown) => error instanceof ConfigError
    && /^the bank in data\/bank\.json \(seed kept\) cannot continue with these options: --rate 1 makes [\d,]+ accounts, the bank has 1,000; --fraud-rate 0\.002, the bank has 0\.05; --start 2025-01-01T00:00:00Z, the bank started at 2026-11-02T00:00:00\.000Z\. Drop them to continue that bank, or pass --new-bank to start a new one$/.test(error.message));
});
