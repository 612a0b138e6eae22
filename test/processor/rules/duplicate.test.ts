import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duplicate } from '../../../src/processor/rules/duplicate.ts';
import type { SeenTransaction } from '../../../src/processor/rules/rule.ts';
import type { NormalizedTx } from '../../../src/processor/validate.ts';
import { alertOf, T0, tx } from '../helpers.ts';

const config = { enabled: true, windowSec: 3600, maxIds: 100 };

function check(t: NormalizedTx, seen: SeenTransaction | undefined) {
  const out = duplicate.evaluate(t, seen, config);
  return { ...out, alert: alertOf(duplicate, t, out.alert) };
}

const cases: Array<{ name: string; gapsSec: number[]; alerts: boolean[]; duplicates: boolean[] }> = [
  { name: 'a first sighting is not a duplicate', gapsSec: [0], alerts: [false], duplicates: [false] },
  { name: 'a repeat within the window alerts', gapsSec: [0, 5], alerts: [false, true], duplicates: [false, true] },
  { name: 'only the first repeat alerts', gapsSec: [0, 5, 10, 3599], alerts: [false, true, false, false], duplicates: [false, true, true, true] },
  { name: 'a repeat after the window is a new sighting', gapsSec: [0, 3601, 3605], alerts: [false, false, true], duplicates: [false, false, true] },
  { name: 'an earlier-stamped repeat is still a repeat', gapsSec: [100, 0], alerts: [false, true], duplicates: [false, true] },
];

for (const c of cases) {
  test(`duplicate: ${c.name}`, () => {
    let seen: SeenTransaction | undefined;
    c.gapsSec.forEach((gap, i) => {
      const out = check(tx({ transactionId: 'T-1', offset: String(i), timestampMs: T0 + gap * 1000 }), seen);
      assert.equal(out.alert !== null, c.alerts[i], `alert at step ${i}`);
      assert.equal(out.isDuplicate, c.duplicates[i], `duplicate at step ${i}`);
      seen = out.state;
    });
  });
}

test('duplicate alert points at the first copy', () => {
  const first = check(tx({ transactionId: 'T-9', offset: '41' }), undefined);
  const again = check(tx({ transactionId: 'T-9', offset: '57', timestampMs: T0 + 2500 }), first.state);
  assert.ok(again.alert);
  assert.equal(again.alert.id, 'T-9:duplicate');
  assert.equal(again.alert.severity, 'LOW');
  assert.deepEqual(again.alert.observed, { first_offset: '41', gap_ms: 2500 });
  assert.deepEqual(again.alert.source, { partition: 0, offset: '57' });
  assert.deepEqual(again.state, { timestampMs: T0, offset: '41', repeats: 1 });
});
