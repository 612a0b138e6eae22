import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, DEFAULT_CONFIG, describeSettings, loadConfig, resolveConfig } from '../../src/processor/config.ts';
import { RULES } from '../../src/processor/rules/registry.ts';

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'CONFIG_INVALID');
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}

test('defaults are complete and sane', () => {
  assert.equal(DEFAULT_CONFIG.windowMs, 1000);
  assert.equal(DEFAULT_CONFIG.rules.low_balance.thresholdCents, 100_00);
  assert.equal(DEFAULT_CONFIG.rules.drain.ratio, 0.9);
  assert.deepEqual(Object.keys(DEFAULT_CONFIG.rules), ['low_balance', 'overdraft', 'amount_outlier', 'velocity', 'outflow', 'new_payee', 'dormant', 'rapid_in_out', 'structuring', 'drain', 'card_testing', 'check_then_transfer', 'new_payee_again', 'duplicate']);
  // processor settings, then per rule enabled, weight (fraud rules only) and its own settings
  assert.equal(DEFAULT_CONFIG.clockResetMs, 300_000);
  assert.equal(describeSettings().length, 8 + RULES.reduce((n, r) => n + 1 + ('notification' in r ? 0 : 1) + Object.keys(r.settings).length, 0));
  assert.equal(DEFAULT_CONFIG.rules.velocity.weight, 0.55);
  assert.ok(!('weight' in DEFAULT_CONFIG.rules.low_balance), 'notifications carry no fraud evidence');
});

test('file values replace defaults and overrides replace file values', () => {
  const c = resolveConfig({
    fileObject: { latenessMs: 0, rules: { velocity: { count: 7, windowSec: 30 }, drain: { enabled: false } } },
    overrides: ['rules.velocity.count=4', 'rules.amount_outlier.zThreshold=3.5', 'rules.drain.enabled=true'],
  });
  assert.equal(c.latenessMs, 0);
  assert.deepEqual(c.rules.velocity, { enabled: true, weight: 0.55, count: 4, windowSec: 30 });
  assert.equal(c.rules.amount_outlier.zThreshold, 3.5);
  assert.equal(c.rules.drain.enabled, true);
  assert.equal(c.rules.overdraft.limitCents, DEFAULT_CONFIG.rules.overdraft.limitCents);
});

test('every problem is reported at once, with source and path', () => {
  const issues = issuesOf(() =>
    resolveConfig({
      fileName: 'rules.json',
      fileObject: { rules: { velocty: { count: 3 }, velocity: { count: 1.5, windowSec: '60' }, drain: { ratio: 2 } }, windowMs: -1 },
      overrides: ['rules.duplicate.enabled=yes', 'nonsense', 'rules.drain.ratoi=0.5', 'rules.velocity.count='],
    }),
  );
  assert.deepEqual(issues, [
    'rules.json: unknown setting rules.velocty (known here: low_balance, overdraft, amount_outlier, velocity, outflow, new_payee, dormant, rapid_in_out, structuring, drain, card_testing, check_then_transfer, new_payee_again, duplicate)',
    'rules.json: rules.velocity.count must be an integer (got 1.5)',
    'rules.json: rules.velocity.windowSec must be a number (got "60")',
    'rules.json: rules.drain.ratio must be <= 1 (got 2)',
    'rules.json: windowMs must be >= 100 (got -1)',
    'override "rules.duplicate.enabled=yes": rules.duplicate.enabled must be true or false (got "yes")',
    'override "nonsense": expected path=value, e.g. rules.velocity.count=4',
    'override "rules.drain.ratoi=0.5": unknown setting rules.drain.ratoi (known here: enabled, weight, ratio, minBalanceCents)',
    'override "rules.velocity.count=": rules.velocity.count must be a number (got "")',
  ]);
});

test('a section that is not an object is reported', () => {
  assert.deepEqual(issuesOf(() => resolveConfig({ fileObject: { rules: [] } })), ['config: rules must be an object']);
  assert.deepEqual(issuesOf(() => resolveConfig({ fileObject: 42 })), ['config: top level must be an object']);
});

test('loadConfig reads a JSON file and names it in errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'buzzline-config-'));
  const good = join(dir, 'good.json');
  writeFileSync(good, JSON.stringify({ rules: { low_balance: { thresholdCents: 50_00 } } }));
  assert.equal(loadConfig({ file: good, overrides: ['rules.overdraft.limitCents=100'] }).rules.low_balance.thresholdCents, 50_00);

  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{ "rules": ');
  const [issue] = issuesOf(() => loadConfig({ file: bad }));
  assert.match(issue ?? '', /bad\.json: not valid JSON/);

  const [missing] = issuesOf(() => loadConfig({ file: join(dir, 'absent.json') }));
  assert.match(missing ?? '', /absent\.json: cannot read/);
});
