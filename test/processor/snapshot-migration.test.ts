import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import type { WindowAggregate } from '../../src/formats/metrics-window.ts';
import { resolveConfig } from '../../src/processor/config.ts';
import { PartitionProcessor, type ProcessResult } from '../../src/processor/partition-processor.ts';
import { RuleEngine } from '../../src/processor/rules/engine.ts';
import { FRAUD_RULE_NAMES, RULES } from '../../src/processor/rules/registry.ts';
import { defineRule } from '../../src/processor/rules/rule.ts';
import { decodeSnapshot, encodeSnapshot, fitSnapshotToRules, PartitionState, SNAPSHOT_VERSION } from '../../src/processor/state.ts';
import { validate } from '../../src/processor/validate.ts';
import { RECOVERY_CONFIG, recoveryStream, T0, tx } from './helpers.ts';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const meta = JSON.parse(fs.readFileSync(new URL('snapshot-v1.meta.json', FIXTURES), 'utf8')) as { seed: number; records: number; snapshotAt: number; outputsSha256: string };
const v1 = fs.readFileSync(new URL('snapshot-v1.json.gz', FIXTURES));
const records = recoveryStream(meta.seed, meta.records);

// Since version 3 low_balance and overdraft are customer notifications, not alerts: the quality counters
// carried in a version 1 snapshot (and its open windows) still count them, so the outputs are compared
// without the counters.
const withoutQuality = (windows: readonly WindowAggregate[]) => windows.map(({ quality: _q, ...w }) => w);
const outputsOf = (results: readonly ProcessResult[]) => results.map((r) => ({ alerts: r.alerts, notifications: r.notifications, dlq: r.dlq, metrics: withoutQuality(r.metrics) }));

// The rules added since version 1 keep history (amounts, payees, deposits) that a version 1 snapshot does
// not have: restored, they start empty, so an uninterrupted run differs from a restored one in them by
// design. The continuation is compared with them off; the rules version 1 knew must go on exactly. The
// stream's out-of-order records go back further than clockResetMs, which the code that wrote the snapshot
// did not have: the comparison keeps event time on one clock, as it then was.
const V1_RULES_ONLY = resolveConfig({
  overrides: [...overridesOf(RECOVERY_CONFIG), 'clockResetMs=86400000', ...['amount_outlier', 'outflow', 'new_payee', 'dormant', 'rapid_in_out', 'structuring'].map((r) => `rules.${r}.enabled=false`)],
});

test('a version 1 snapshot restores and continues exactly like the uninterrupted run', async () => {
  const reference = new PartitionProcessor(0, V1_RULES_ONLY);
  const expected = records.map((r) => reference.process(r));

  const snapshot = decodeSnapshot(v1);
  assert.equal(snapshot.version, SNAPSHOT_VERSION);
  assert.deepEqual(snapshot.engine.slices, ['low_balance', 'overdraft', 'large_amount', 'velocity', 'drain']);
  const restored = new PartitionProcessor(0, V1_RULES_ONLY);
  restored.restore(snapshot);
  assert.equal(restored.nextOffset, BigInt(meta.snapshotAt));
  const continued = records.slice(meta.snapshotAt).map((r) => restored.process(r));

  assert.deepEqual(outputsOf(continued), outputsOf(expected.slice(meta.snapshotAt)));
  assert.ok(continued.some((r) => r.alerts.length > 0), 'the continuation must raise alerts to prove anything');
  assert.ok(continued.some((r) => r.notifications.length > 0), 'and notifications');
  assert.deepEqual(withoutQuality(restored.flush()), withoutQuality(reference.flush()));
  assert.deepEqual(restored.qualityTotals().byRule.velocity, reference.qualityTotals().byRule.velocity);
  // Re-encoded, it is a current snapshot and restores the same state again.
  const again = new PartitionProcessor(0, RECOVERY_CONFIG);
  const twice = new PartitionProcessor(0, RECOVERY_CONFIG);
  twice.restore(snapshot);
  again.restore(decodeSnapshot(await encodeSnapshot(twice.snapshot())));
  assert.deepEqual(again.snapshot(), twice.snapshot());
});

// A rule the registry does not have: every third deposit of an account alerts. Its state is a counter, so
// where it starts from is visible.
const thirdDeposit = defineRule({
  name: 'third_deposit',
  severity: 'LOW',
  summary: 'every third deposit',
  description: 'every third deposit of an account',
  settings: { every: { kind: 'integer', default: 3, min: 2, max: 10, help: 'deposits per alert' } },
  initialState: () => ({ deposits: 0 }),
  evaluate(t, state, settings) {
    if (t.type !== 'deposit') return { alert: null, state };
    const deposits = state.deposits + 1;
    if (deposits % settings.every !== 0) return { alert: null, state: { deposits } };
    return { alert: { observed: { deposits }, threshold: { every: settings.every }, explanation: `deposit number ${deposits}` }, state: { deposits } };
  },
});
const WITH_EXTRA = [...RULES, thirdDeposit] as const;

test('a rule added after the snapshot starts from its initial state and works from there', async () => {
  const config = resolveConfig({ overrides: [...overridesOf(RECOVERY_CONFIG), 'rules.third_deposit.every=2'], rules: WITH_EXTRA });
  const engine = new RuleEngine(config.rules, WITH_EXTRA);
  // A snapshot of the current rules, written before third_deposit existed.
  const before = new PartitionProcessor(0, RECOVERY_CONFIG);
  for (const r of records.slice(0, meta.snapshotAt)) before.process(r);
  const snapshot = decodeSnapshot(await encodeSnapshot(before.snapshot()));
  const state = PartitionState.fromSnapshot(engine, fitSnapshotToRules(snapshot, engine).engine);
  assert.deepEqual(engine.sliceNames, [...snapshot.engine.slices, 'third_deposit']);
  assert.ok(state.accounts.size > 0);
  for (const [id, account] of snapshot.engine.accounts) {
    const fitted = state.accounts.get(id);
    assert.ok(fitted);
    assert.deepEqual(engine.slice(fitted, 'third_deposit'), { deposits: 0 }, id);
    for (const name of snapshot.engine.slices) assert.deepEqual(engine.slice(fitted, name), account.slices[snapshot.engine.slices.indexOf(name)], `${id} ${name}`);
  }

  // From there, the old rules go on exactly as without the new one, and the new one counts from zero.
  const plain = new PartitionState(new RuleEngine(RECOVERY_CONFIG.rules));
  const plainFrom = PartitionState.fromSnapshot(plain.engine, fitSnapshotToRules(snapshot, plain.engine).engine);
  const deposits = new Map<string, number>();
  let expectedExtra = 0;
  let watermark = snapshot.watermarkMs ?? 0;
  for (const r of records.slice(meta.snapshotAt)) {
    const v = validate(r.value, { partition: 0, offset: BigInt(r.offset), timestampMs: Number(r.timestamp) }, RECOVERY_CONFIG.maxMessageBytes);
    if (!v.ok) continue;
    watermark = Math.max(watermark, v.tx.timestampMs);
    const withExtra = state.apply(v.tx, watermark);
    const without = plainFrom.apply(v.tx, watermark);
    assert.deepEqual(withExtra.alerts.filter((a) => a.id !== `${a.transaction_id}:third_deposit`), without.alerts);
    if (v.tx.type === 'deposit' && !without.isDuplicate) {
      const n = (deposits.get(v.tx.accountId) ?? 0) + 1;
      deposits.set(v.tx.accountId, n);
      if (n % 2 === 0) expectedExtra++;
      assert.equal(withExtra.alerts.some((a) => a.id === `${v.tx.transactionId}:third_deposit`), n % 2 === 0);
    }
  }
  assert.ok(expectedExtra > 0, 'the new rule must fire after the restore');
});

test('a rule that no longer exists loses its slice on restore', async () => {
  const config = resolveConfig({ rules: WITH_EXTRA });
  const extended = new RuleEngine(config.rules, WITH_EXTRA);
  const before = new PartitionState(extended);
  before.apply(tx({ type: 'deposit', accountId: 'A', transactionId: 'd1', timestampMs: T0 }), T0);
  const written = { ...new PartitionProcessor(0, RECOVERY_CONFIG).snapshot(), engine: before.toSnapshot() };
  assert.deepEqual(written.engine.slices.at(-1), 'third_deposit');

  const current = new RuleEngine(RECOVERY_CONFIG.rules);
  const fitted = fitSnapshotToRules(decodeSnapshot(await encodeSnapshot(written)), current);
  assert.deepEqual(fitted.engine.slices, current.sliceNames);
  const [[id, account] = ['', { lastEventMs: 0, slices: [] }]] = fitted.engine.accounts;
  assert.equal(id, 'A');
  assert.equal(account.slices.length, current.sliceNames.length);
  assert.deepEqual(current.slice(account, 'low_balance'), extended.slice(before.accounts.get('A') ?? extended.initialAccountState(), 'low_balance'));
});

test('quality counters of a snapshot written with other rules are fitted to the running ones', async () => {
  const p = new PartitionProcessor(0, RECOVERY_CONFIG);
  for (const r of records.slice(0, 200)) p.process(r);
  const written = JSON.parse(JSON.stringify(p.snapshot()));
  written.quality.totals.byRule.gone = { tp: 1, fp: 1, detected: 1, ttdSumMs: 1, ttdMaxMs: 1 };
  delete written.quality.totals.byRule.velocity;
  const restored = new PartitionProcessor(0, RECOVERY_CONFIG);
  restored.restore(decodeSnapshot(await encodeSnapshot(written)));
  const totals = restored.qualityTotals();
  assert.deepEqual(Object.keys(totals.byRule), [...FRAUD_RULE_NAMES, 'any']);
  assert.deepEqual(totals.byRule.velocity, { tp: 0, fp: 0, detected: 0, ttdSumMs: 0, ttdMaxMs: 0 });
  assert.deepEqual(totals.byRule.drain, p.qualityTotals().byRule.drain);
});

test('a new rule\'s settings are config fields: accepted by --set and range-checked', () => {
  assert.equal(resolveConfig({ overrides: ['rules.third_deposit.every=4'], rules: WITH_EXTRA }).rules.third_deposit.every, 4);
  assert.equal(resolveConfig({ rules: WITH_EXTRA }).rules.third_deposit.enabled, true);
  assert.throws(() => resolveConfig({ overrides: ['rules.third_deposit.every=11'], rules: WITH_EXTRA }), /rules\.third_deposit\.every must be <= 10 \(got 11\)/);
  assert.throws(() => resolveConfig({ fileObject: { rules: { third_deposit: { every: 1 } } }, rules: WITH_EXTRA }), /rules\.third_deposit\.every must be >= 2 \(got 1\)/);
  // Without the rule in the list, the setting is unknown.
  assert.throws(() => resolveConfig({ overrides: ['rules.third_deposit.every=4'] }), /unknown setting rules\.third_deposit\.every/);
});

// The override strings that give RECOVERY_CONFIG, so a config with an extra rule can start from it.
function overridesOf(config: typeof RECOVERY_CONFIG): string[] {
  const out: string[] = [];
  for (const key of ['maxMessageBytes', 'windowMs', 'latenessMs', 'accountIdleTtlSec'] as const) out.push(`${key}=${config[key]}`);
  for (const [rule, settings] of Object.entries(config.rules)) for (const [key, value] of Object.entries(settings)) out.push(`rules.${rule}.${key}=${String(value)}`);
  return out;
}

// amount_outlier's slice as versions 3 and 4 wrote it: a { key, logs } object per kind, and the payees'
// last payments as a tuple per payee (3) or as two lists beside the payees (4).
type AmountOutlierSlice = { kinds: string[]; logs: number[]; payees: string[]; paid: number[] };
function olderAmountOutlier(slice: AmountOutlierSlice, version: 3 | 4): unknown {
  const kinds: Array<{ key: string; logs: number[] }> = [];
  for (let i = 0, at = 0; i < slice.kinds.length; i++) {
    const n = slice.logs[at] as number;
    kinds.push({ key: slice.kinds[i] as string, logs: slice.logs.slice(at + 1, at + 1 + n) });
    at += 1 + n;
  }
  const paidMs = slice.paid.filter((_, i) => i % 2 === 0);
  const paidCents = slice.paid.filter((_, i) => i % 2 === 1);
  return version === 3 ? { kinds, payees: slice.payees.map((p, i) => [p, paidMs[i], paidCents[i]]) } : { kinds, payees: slice.payees, paidMs, paidCents };
}

for (const version of [3, 4] as const) {
  test(`a version ${version} snapshot, whose amount_outlier kept an object per kind, restores into the current layout`, async () => {
    const written = new PartitionProcessor(0, RECOVERY_CONFIG);
    const stream = recoveryStream(12, 400, { v2: true });
    for (const r of stream.slice(0, 250)) written.process(r);
    const current = written.snapshot();
    const at = current.engine.slices.indexOf('amount_outlier');
    const older = {
      ...current,
      version,
      engine: {
        ...current.engine,
        accounts: current.engine.accounts.map(([id, account]) => {
          const slices = account.slices.slice();
          slices[at] = olderAmountOutlier(account.slices[at] as AmountOutlierSlice, version);
          return [id, { ...account, slices }] as const;
        }),
      },
    };
    const slices = current.engine.accounts.map(([, a]) => a.slices[at] as AmountOutlierSlice);
    assert.ok(slices.some((s) => s.payees.length > 1 && s.kinds.length > 2), 'the state has payees and kinds to convert');
    const decoded = decodeSnapshot(await encodeSnapshot(older as unknown as typeof current));
    assert.deepEqual(decoded, JSON.parse(JSON.stringify(current)));
    const restored = new PartitionProcessor(0, RECOVERY_CONFIG);
    restored.restore(decoded);
    assert.deepEqual(stream.slice(250).map((r) => restored.process(r)), stream.slice(250).map((r) => written.process(r)));
  });
}
