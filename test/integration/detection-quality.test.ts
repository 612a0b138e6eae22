// Issue 16's detection scoring live, end to end: seeded simulator records with their ground truth
// (sim-label, sim-incident) go through the embedded broker to two `buzzline consume` workers sharing 3
// partitions as one group, one killed with SIGKILL mid-run and restarted; `buzzline dashboard` merges the
// partitions' detection facts
// from bank_metrics. The figures it serves (/api/detection, /api/summary, /metrics) must equal what the
// offline scorer (the backtest's IncidentScorer) computes from the same records read back from
// bank_alerts: a restart neither loses nor double-counts anything.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TOPICS } from '../../src/bank/transaction.ts';
import type { DetectionView } from '../../src/dashboard/views.ts';
import { Backtest } from '../../src/processor/backtest.ts';
import { resolveConfig } from '../../src/processor/config.ts';
import type { ScoreTable } from '../../src/processor/incident-score.ts';
import { bankInput, groupLag, inputProducer, produceInput, waitFor } from '../helpers/bank-input.ts';
import { startBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { fetchAll } from '../helpers/fetch-all.ts';
import { BUZZLINE, onLines, spawnBuzzline, track, type BuzzlineChild } from '../helpers/processes.ts';

const TOTAL = 30_000;
const GROUP = 'detection-live';
const WARMUP_SEC = 3 * 3600;

let tb: TestBroker;
let work: string;
const input = bankInput({ seed: 'detection-live', total: TOTAL, malformed: 30, accounts: 300 });

before(async () => {
  tb = await startBroker({ defaultPartitions: 3, groupInitialRebalanceDelayMs: 0 });
  work = tempDir('buzzline-detection-');
});

after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function spawnProcessor(worker: string, life: number): BuzzlineChild {
  return spawnBuzzline([
    'consume', '--brokers', tb.bootstrap, '--no-dashboard', '--quiet', '--group', GROUP, '--instance-id', worker,
    '--set', `scoreWarmupSec=${WARMUP_SEC}`, '--checkpoint-interval', '300', '--session-timeout', '6000',
    '--log-file', path.join(work, `${worker}-${life}.log`), '--log-level', 'debug',
  ]);
}

function checkpointed(worker: string, life: number): boolean {
  const file = path.join(work, `${worker}-${life}.log`);
  return fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('"event":"checkpoint"');
}

async function startDashboard(): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = track(spawn(process.execPath, [BUZZLINE, 'dashboard', '--brokers', tb.bootstrap, '--port', '0', '--history', '1000000'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  child.stderr?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the dashboard did not print its address')), 30_000);
    onLines(child.stdout, (line) => {
      const m = /dashboard on (http:\/\/\S+?)\/?(\s|$)/.exec(line);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
  });
  return { child, url, exited };
}

// SIGTERM, and the exit code; SIGKILL and a failure when it takes longer than 30 s.
async function stop(p: { child: ChildProcess; exited: Promise<number | null> }): Promise<number | null> {
  p.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 30_000)));
  const code = await Promise.race([p.exited, late]);
  clearTimeout(timer);
  if (code !== 'late') return code;
  p.child.kill('SIGKILL');
  await p.exited;
  assert.fail(`pid ${p.child.pid} did not exit within 30 s of SIGTERM`);
}

// The offline reference: the same records, each partition in offset order, through the backtest's scorer.
async function offlineTable(): Promise<ScoreTable> {
  const backtest = new Backtest([resolveConfig({ overrides: [`scoreWarmupSec=${WARMUP_SEC}`] })], WARMUP_SEC * 1000);
  for (const [partition, records] of await fetchAll(tb.bootstrap, TOPICS.transactions, { partitionMaxBytes: 8 << 20 })) {
    for (const r of records) {
      const headers = r.headers.filter((h): h is [Buffer, Buffer] => h[0] !== null && h[1] !== null);
      backtest.add({ partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers });
    }
  }
  return backtest.tables()[0] as ScoreTable;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200, url);
  return (await res.json()) as T;
}

test('detection quality on the dashboard, after a kill -9 of one of two processors, equals the offline score of the same records', { timeout: 300_000 }, async (t) => {
  const dashboard = await startDashboard();
  const before = await getJson<{ detection: DetectionView | null; note: string | null }>(`${dashboard.url}/api/detection`);
  assert.equal(before.detection, null);
  assert.match(before.note ?? '', /needs labelled \(simulated\) data/);

  const producer = inputProducer(tb.bootstrap);
  const other = spawnProcessor('worker-2', 0);
  let proc = spawnProcessor('worker-1', 0);
  const started = performance.now();
  // Half the input while worker-1 runs; it is killed right after its first checkpoint (while the group may
  // still be working through that half), and the rest comes after its restart.
  const half = input.length / 2;
  const producing = produceInput(producer, input.slice(0, half), { batch: 1000, pauseMs: 100 });
  await waitFor('worker-1 to checkpoint', () => checkpointed('worker-1', 0), 90_000, 20);
  proc.child.kill('SIGKILL');
  assert.equal(await proc.exited, null, 'killed by the signal');
  const lagAtKill = await groupLag(tb.bootstrap, GROUP);
  t.diagnostic(`worker-1 killed at lag ${lagAtKill} ${Math.round(performance.now() - started)} ms after the start, and restarted`);
  proc = spawnProcessor('worker-1', 1);
  await producing;
  await produceInput(producer, input.slice(half), { batch: 1000, pauseMs: 100 });
  await producer.close();
  await waitFor('the group to commit the whole input', async () => (await groupLag(tb.bootstrap, GROUP)) === 0n, 120_000);
  assert.ok(checkpointed('worker-2', 0), 'both workers processed partitions');
  t.diagnostic(`input processed ${Math.round(performance.now() - started)} ms after the start`);
  const expected = await offlineTable();
  assert.ok(expected.incidents >= 10 && expected.detected > 0 && expected.cases > 0, `something to score: ${JSON.stringify(expected)}`);
  let live: DetectionView | null = null;
  // The partitions' last summaries go out once they are idle (a second without records).
  await waitFor('the dashboard to show the offline figures', async () => {
    live = (await getJson<{ detection: DetectionView | null }>(`${dashboard.url}/api/detection`)).detection;
    return live !== null && JSON.stringify(live.table) === JSON.stringify(expected);
  }, 30_000, 250).catch((err: unknown) => {
    assert.deepEqual(live?.table, expected, String(err));
  });
  t.diagnostic(`the dashboard shows the offline figures ${Math.round(performance.now() - started)} ms after the start: ${expected.incidents} incidents, ${expected.cases} cases`);
  const view = live as unknown as DetectionView;
  assert.deepEqual(view.table, expected);
  assert.deepEqual(view.partitions, [0, 1, 2]);
  assert.equal(view.partial, false, 'the dashboard read bank_metrics from its start');

  const summary = await getJson<{ detection: DetectionView | null }>(`${dashboard.url}/api/summary`);
  assert.deepEqual(summary.detection?.table, expected);
  const metrics = await (await fetch(`${dashboard.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const sample = (name: string, labels = '') => {
    const line = metrics.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  assert.equal(sample('buzzline_detection_incident_recall', '{scenario="all"}'), expected.recall);
  assert.equal(sample('buzzline_detection_case_precision'), expected.casePrecision);
  assert.equal(sample('buzzline_detection_top100_precision'), expected.top100Precision);
  for (const [scenario, f] of Object.entries(expected.byScenario)) assert.equal(sample('buzzline_detection_incidents', `{scenario="${scenario}"}`), f.incidents);

  for (const p of [proc, other]) assert.equal(await stop(p), 0, p.stderr());
  await stop(dashboard);
});
