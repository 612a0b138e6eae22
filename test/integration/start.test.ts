// `buzzline start` end to end: spawn it on free ports in an empty directory, wait for the dashboard,
// see transactions, metrics and alerts flow, then SIGINT: every child process gone, exit code 0, data
// and logs kept.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/broker.ts';
import { BUZZLINE, track } from '../helpers/processes.ts';

const cwd = tempDir('buzzline-start-');
after(() => fs.rmSync(cwd, { recursive: true, force: true }));

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry), ...childrenOf(Number(entry)));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return res.json();
}

test('buzzline start runs everything, shows alerts and metrics, and stops cleanly on SIGINT', { timeout: 120_000 }, async () => {
  const child = track(spawn(process.execPath, [BUZZLINE, 'start', '--port', '0', '--dashboard-port', '0', '--accounts', '1000', '--speed', '12000', '--seed', 'x',
    '--fraud-rate', '0.05'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline) {
    url = /dashboard: (http:\/\/\S+)/.exec(output)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(url, `no dashboard URL printed:\n${output}`);
  const parts = childrenOf(child.pid as number);
  assert.ok(parts.length >= 3, `broker, processor and producer run as child processes (${parts.length})`);

  let records = 0;
  let alerts: { rule: string }[] = [];
  // low_balance is a customer notification in bank_notifications now, not in the alert feed.
  while (Date.now() < deadline && (records === 0 || alerts.length === 0)) {
    await new Promise((r) => setTimeout(r, 500));
    records = ((await getJson(`${url}api/summary`)) as { totals: { records: number } }).totals.records;
    alerts = ((await getJson(`${url}api/alerts?limit=200`)) as { alerts: { rule: string }[] }).alerts;
  }
  assert.ok(records > 0, 'metrics flow to the dashboard');
  assert.ok(alerts.length > 0, 'an alert reaches the dashboard');

  child.kill('SIGINT');
  assert.equal(await exited, 0, output);
  for (const pid of parts) assert.ok(!fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), `child ${pid} still running`);
  assert.ok(fs.existsSync(path.join(cwd, 'data/bank_alerts-0')), 'data kept in ./data');
  assert.ok(fs.readFileSync(path.join(cwd, 'logs/banking_producer.log'), 'utf8').length > 0, 'producer log kept in ./logs');
  assert.ok(fs.existsSync(path.join(cwd, 'logs/banking_consumer.log')), 'processor log kept in ./logs');
});
