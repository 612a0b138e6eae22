// `buzzline consume` as a user sees it. At a real terminal: the status line shows the current rate
// (0 msg/s once the backlog is done, where an average since start would still show thousands) and the
// alerts print on lines of their own. In its group: a client that is not a buzzline processor taking
// partitions (kcat -G) gets a warning naming it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { KcatMember, until } from '../helpers/groups.ts';
import { BUZZLINE, run, track } from '../helpers/processes.ts';
import { onTerminal, statusDraws, visibleRows } from '../helpers/terminal.ts';

let tb: TestBroker;
const work = tempDir('buzzline-consume-term-');
const COUNT = 3000;

before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
  // A fixed start makes the stream, and so its alerts, the same whatever the hour the test runs: a bank
  // opened at the wall clock's hour had between 1 and 10 alerts and notifications in its first 3,000
  // records, and now and then none.
  const r = await run(process.execPath, [BUZZLINE, 'produce', '--brokers', tb.bootstrap, '--count', String(COUNT), '--speed', 'max', '--seed', 'term', '--start', '2026-12-07T22:00:00Z', '--fraud-rate', '0.05',
    '--log-level', 'warn', '--log-file', path.join(work, 'producer.log'), '--bank-state', path.join(work, 'bank.json')], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
});
after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

test('at a terminal: the current rate in the status line, alerts on lines of their own', { timeout: 90_000 }, async () => {
  const term = onTerminal([process.execPath, BUZZLINE, 'consume', '--brokers', tb.bootstrap, '--no-dashboard', '--group', 'term-group', '--log-file', path.join(work, 'consumer.log')], { cwd: work });
  const processedAll = `${COUNT.toLocaleString('en-US')} processed`;
  await until(() => statusDraws(term.output()).some((d) => d.startsWith(processedAll)), 60_000, () => `all records processed:\n${term.output().slice(-2000)}`);
  const busy = statusDraws(term.output()).map((d) => Number(/\| ([\d,]+) msg\/s/.exec(d)?.[1]?.replace(/,/g, '') ?? 0));
  assert.ok(Math.max(...busy) > 0, 'a rate while the backlog was processed');
  await until(() => statusDraws(term.output()).at(-1)?.startsWith(`${processedAll} | 0 msg/s |`) === true, 15_000, () => `the rate to drop to 0 once idle: ${statusDraws(term.output()).at(-1)}`);
  term.ctrlC();
  assert.equal(await term.exited, 0, term.output().slice(-2000));
  const out = term.output();
  assert.match(out, new RegExp(`processed ${COUNT.toLocaleString('en-US')} records in`));
  const alertRows = visibleRows(out).filter((r) => r.includes('ALERT'));
  assert.ok(alertRows.length > 0, 'alerts were printed');
  for (const row of alertRows) assert.match(row, /^ALERT \S+ (LOW|MEDIUM|HIGH|CRITICAL) /, `an alert on a line of its own: ${JSON.stringify(row)}`);
});

test('a kcat member taking partitions of the group is warned about, by name', { timeout: 90_000 }, async () => {
  const group = 'warn-group';
  const child = track(spawn(process.execPath, [BUZZLINE, 'consume', '--brokers', tb.bootstrap, '--no-dashboard', '--quiet', '--group', group, '--log-file', path.join(work, 'warn.log')], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(() => fs.existsSync(path.join(work, 'warn.log')) && /"event":"assignment".*"partitions":\[0,1,2\]/.test(fs.readFileSync(path.join(work, 'warn.log'), 'utf8')), 30_000, 'the processor\'s assignment');
  assert.doesNotMatch(stderr, /warning: other clients/, 'alone in its group: no warning');

  const kcat = new KcatMember('kcat', tb.bootstrap, group, 'bank_alerts', { 'client.id': 'kcat-intruder', 'partition.assignment.strategy': 'roundrobin' });
  try {
    await until(() => /warning: other clients in group warn-group took partitions of bank_alerts: kcat-intruder at 127\.0\.0\.1 holds \[\d/.test(stderr), 30_000, () => `the warning:\n${stderr}`);
  } finally {
    await kcat.stop();
  }
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /processed [\d,]+ records/);
});
