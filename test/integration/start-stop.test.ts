// `buzzline start` stopping the way Ctrl+C stops it. First a SIGINT to its whole process group (what a
// terminal sends): every part stops once and in order, so the processor prints its summary, commits
// what it processed and leaves the group. Then a second start on the same data, at a real terminal: its
// processor gets the partitions at once (no wait for a stale member), everything shares one status line
// with the alerts on lines of their own, and a typed Ctrl+C stops it the same orderly way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { startBroker, tempDir } from '../helpers/broker.ts';
import { until } from '../helpers/groups.ts';
import { BUZZLINE, track } from '../helpers/processes.ts';
import { onTerminal, statusDraws, visibleRows } from '../helpers/terminal.ts';

const cwd = tempDir('buzzline-start-stop-');
after(() => fs.rmSync(cwd, { recursive: true, force: true }));

const START_ARGS = ['start', '--port', '0', '--dashboard-port', '0', '--accounts', '1000', '--speed', '9000', '--seed', 'stop', '--fraud-rate', '0.05'];

interface LogLine {
  time: number;
  msg: string;
  event?: string;
  partitions?: number[];
}

function consumerLog(): LogLine[] {
  const file = path.join(cwd, 'logs/banking_consumer.log');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

function processedInSummary(output: string): number {
  const m = /processed ([\d,]+) records in/.exec(output);
  assert.ok(m?.[1], `no processor summary in:\n${output}`);
  return Number(m[1].replace(/,/g, ''));
}

test('SIGINT to the process group: one orderly stop, offsets committed, group left; the next start gets its partitions at once', { timeout: 150_000 }, async () => {
  const child = track(spawn(process.execPath, [BUZZLINE, ...START_ARGS], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(() => /dashboard: http/.test(output), 60_000, () => `the dashboard URL:\n${output}`);
  // Records flowing through the processor: its first checkpoint is logged once it has some.
  await until(() => consumerLog().some((l) => l.event === 'assignment' && (l.partitions ?? []).length > 0) && /ALERT/.test(output), 30_000, 'an assignment and alerts');

  process.kill(-(child.pid as number), 'SIGINT');
  assert.equal(await exited, 0, output);
  assert.doesNotMatch(output, /exited unexpectedly|code 130/, output);
  assert.match(output, /produced [\d,]+ messages to bank_alerts/);
  const processed = processedInSummary(output);
  assert.ok(processed > 0, output);
  assert.match(fs.readFileSync(path.join(cwd, 'logs/broker.log'), 'utf8'), /"reason":"member left the group"/, 'the processor left the group');

  // The committed offsets, read back from the data directory the way any client would.
  const tb = await startBroker({ dataDir: path.join(cwd, 'data') });
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [tb.bootstrap] });
  try {
    const [group] = await admin.listConsumerGroupOffsets({ groups: ['banking-consumer-group'] });
    const committed = group?.topics.find((t) => t.name === 'bank_alerts')?.partitions.reduce((n, p) => n + Number(p.committedOffset), 0);
    assert.equal(committed, processed, 'every processed record is committed');
  } finally {
    await admin.close();
    await tb.stop();
  }

  // Second start, at a terminal.
  const logLines = consumerLog().length;
  const term = onTerminal([process.execPath, BUZZLINE, ...START_ARGS], { cwd });
  await until(() => /dashboard: http/.test(term.output()), 60_000, () => `the dashboard URL:\n${term.output()}`);
  await until(() => consumerLog().slice(logLines).some((l) => l.event === 'assignment' && (l.partitions ?? []).length === 3), 30_000, 'the second processor\'s assignment');
  const second = consumerLog().slice(logLines);
  const started = second.find((l) => l.msg === 'processor starting')?.time ?? Number.NaN;
  const assigned = second.find((l) => l.event === 'assignment' && (l.partitions ?? []).length === 3)?.time ?? Number.NaN;
  // A member that never left would hold the group until its 10 s session timeout expired.
  assert.ok(assigned - started < 6000, `partitions assigned ${assigned - started} ms after the processor started`);

  await until(() => statusDraws(term.output()).some((d) => /processor [\d,]+ processed/.test(d) && / sent \| /.test(d)) && /ALERT/.test(term.output()), 30_000, () => `a combined status line and alerts:\n${term.output()}`);
  term.ctrlC();
  assert.equal(await term.exited, 0, term.output());
  const out = term.output();
  processedInSummary(out);
  for (const draw of statusDraws(out)) {
    if (/ msg\/s /.test(draw)) assert.match(draw, /^(producer|processor) /, `a status line of its own: ${draw}`);
  }
  const alertRows = visibleRows(out).filter((r) => r.includes('ALERT'));
  assert.ok(alertRows.length > 0, out);
  for (const row of alertRows) assert.match(row, /^ALERT \S+ (LOW|MEDIUM|HIGH|CRITICAL) /, `an alert on a line of its own: ${JSON.stringify(row)}`);
});
