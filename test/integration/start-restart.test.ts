// `npm start` twice in one working directory, in real time (speed 1, the default rate): the second start
// continues the first one's bank (its state in ./data/bank.json, its events on the broker), and the
// dashboard moves again within 5 s of the second run's first event: /api/summary counts more records
// than the first run processed, with late records <= 0.1 %. The bank starts at a busy hour of its calendar (SIM_START, a
// Wednesday noon) so the test does not depend on the hour it runs at; the restart then moves its clock to
// the present, a jump forward of weeks for the processor's restored state.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/broker.ts';
import { until } from '../helpers/groups.ts';
import { BUZZLINE, track } from '../helpers/processes.ts';

const cwd = tempDir('buzzline-start-restart-');
after(() => fs.rmSync(cwd, { recursive: true, force: true }));

const START_ARGS = ['start', '--port', '0', '--dashboard-port', '0', '--seed', 'twice'];
const env = { ...process.env, SIM_START: '2026-11-04T12:00:00Z' };

interface Summary {
  totals: { records: number; late: number };
}

function startOnce() {
  const child = track(spawn(process.execPath, [BUZZLINE, ...START_ARGS], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function summary(url: string): Promise<Summary | undefined> {
  try {
    const res = await fetch(`${url}api/summary`);
    return res.ok ? ((await res.json()) as Summary) : undefined;
  } catch {
    return undefined;
  }
}

async function dashboardUrl(run: ReturnType<typeof startOnce>): Promise<string> {
  await until(() => /dashboard: http/.test(run.output()), 90_000, () => `the dashboard URL:\n${run.output()}`);
  return /dashboard: (http:\/\/\S+)/.exec(run.output())?.[1] ?? '';
}

test('a second start continues the bank and the dashboard moves again within 5 s, late <= 0.1%', { timeout: 240_000 }, async (t) => {
  const first = startOnce();
  const firstUrl = await dashboardUrl(first);
  let seen = 0;
  await until(() => {
    void summary(firstUrl).then((s) => (seen = s?.totals.records ?? seen));
    return seen >= 20;
  }, 90_000, () => `records on the first dashboard (${seen}):\n${first.output()}`);
  process.kill(-(first.child.pid as number), 'SIGINT');
  assert.equal(await first.exited, 0, first.output());
  const processed = Number(/processed ([\d,]+) records in/.exec(first.output())?.[1]?.replace(/,/g, '') ?? Number.NaN);
  assert.ok(processed >= 20, first.output());
  const bank = JSON.parse(fs.readFileSync(path.join(cwd, 'data/bank.json'), 'utf8')) as { seed: string; produced: number };
  assert.equal(bank.seed, 'twice');

  const spawnedAt = Date.now();
  const second = startOnce();
  try {
    const url = await dashboardUrl(second);
    const urlAt = Date.now();
    let latest: Summary | undefined;
    await until(() => {
      void summary(url).then((s) => (latest = s ?? latest));
      return (latest?.totals.records ?? 0) > processed;
    }, 60_000, () => `more than the first run's ${processed} records (${latest?.totals.records}):\n${second.output()}`);
    const movedAt = Date.now();
    // The second run's first event, acknowledged: its producer logs every event it sent.
    const firstEventAt = Math.min(...fs.readFileSync(path.join(cwd, 'logs/banking_producer.log'), 'utf8').split('\n')
      .filter((l) => l.includes('"event":"produced"')).map((l) => (JSON.parse(l) as { time: number }).time).filter((time) => time >= spawnedAt));
    t.diagnostic(`second start: dashboard URL after ${urlAt - spawnedAt} ms, first event after ${firstEventAt - spawnedAt} ms, dashboard moved after ${movedAt - spawnedAt} ms`);
    // Start-up itself (three processes, the bank regenerated) depends on the machine; the processor and
    // the dashboard must not add more than a few seconds to it.
    assert.ok(movedAt - firstEventAt <= 5_000, `the dashboard moved ${movedAt - firstEventAt} ms after the second run's first event`);
    assert.ok(movedAt - urlAt <= 15_000, `the dashboard moved ${movedAt - urlAt} ms after the second start printed its URL`);
    // Some more seconds of traffic, then the share of late records over both runs.
    await new Promise((r) => setTimeout(r, 5_000));
    latest = await summary(url);
    assert.ok(latest, 'a summary');
    t.diagnostic(`late ${latest.totals.late} of ${latest.totals.records}`);
    assert.ok(latest.totals.late <= latest.totals.records * 0.001, `late ${latest.totals.late} of ${latest.totals.records}`);
  } finally {
    process.kill(-(second.child.pid as number), 'SIGINT');
    assert.equal(await second.exited, 0, second.output());
  }
  assert.match(second.output(), /continuing the bank in data\/bank\.json, seed twice \([\d,]+ earlier events regenerated\)/);
});
