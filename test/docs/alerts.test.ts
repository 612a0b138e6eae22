import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { ALERTS_DOC_PATH, renderAlertsDoc, renderRulesTable } from '../../scripts/alerts-docs.ts';
import { RULE_NAMES } from '../../src/processor/alert.ts';

test('docs/alerts.md has the rules table of the registry (regenerate: npm run docs:alerts)', () => {
  const doc = fs.readFileSync(ALERTS_DOC_PATH, 'utf8');
  assert.equal(doc, renderAlertsDoc(doc));
});

test('the rules table has a row per rule, in registry order, with its settings', () => {
  const rows = renderRulesTable().split('\n').slice(2);
  assert.deepEqual(rows.map((r) => /^\| `([a-z_]+)` \|/.exec(r)?.[1]), [...RULE_NAMES]);
  assert.match(rows[3] ?? '', /`count` \(5, 2–10000\), `windowSec` \(60, 1–86400\)/);
});
