// The README's dashboard section names every HTTP endpoint the dashboard serves and every metric
// /metrics exposes, so a new endpoint or metric without documentation fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Hub } from '../../src/dashboard/hub.ts';
import { renderMetrics } from '../../src/dashboard/prometheus.ts';
import { buildDashboard } from '../../src/dashboard/server.ts';
import { emptyQuality } from '../../src/processor/quality.ts';
import { T0, makeWindow } from '../dashboard/helpers.ts';

const README = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

test('the README documents every /api endpoint and /metrics', async () => {
  const hub = new Hub();
  const app = buildDashboard({ hub, staticDir: null });
  await app.ready();
  // printRoutes draws a tree under "/": "├── api/summary (GET, HEAD)".
  const routes = [...app.printRoutes({ commonPrefix: false }).matchAll(/\b(api\/[a-z]+|metrics) \(/g)].map((m) => `/${m[1]}`);
  await app.close();
  hub.close();
  assert.ok(routes.length >= 7, `routes found: ${routes.join(', ')}`);
  for (const route of routes) assert.match(README, new RegExp('`GET ' + route.replace(/\//g, '\\/') + '[`?]'), `${route} is not in the README's API table`);
});

test('the README lists every metric /metrics exposes', () => {
  const hub = new Hub();
  // Labelled records, so the quality and detection gauges (absent before) are rendered too.
  const q = emptyQuality();
  q.labeled = 1;
  hub.addWindow(makeWindow(0, T0, [{ type: 'deposit', cents: 100, quality: q }]));
  // And detection facts, for the incident and case gauges.
  hub.addDetection({ kind: 'detection', partition: 0, offset: '0', firstMs: T0, lastMs: T0, warmupMs: 0, accounts: 1, atMs: T0, warm: true, incident: { id: 'inc:1', scenario: 'card_testing', outflowCents: 1 }, cases: [] });
  const names = [...renderMetrics(hub).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string);
  hub.close();
  assert.ok(names.includes('buzzline_detection_precision') && names.includes('buzzline_detection_incident_recall'));
  for (const name of names) assert.ok(README.includes(`\`${name}\``), `${name} is not in the README's metrics table`);
});
