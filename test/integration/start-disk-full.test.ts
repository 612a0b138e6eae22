// `buzzline start` with its logs on a full disk (the `npm start` layout, logs/ in the working directory;
// here an 8 MiB tmpfs, the tests run as root): writing the broker's log fails with ENOSPC, which once ended
// start on an unhandled stream error and orphaned the parts. Now the lines are dropped and counted, start
// and every part keep running, and once space returns a notice says how many lines were lost; Ctrl+C
// still stops everything in order.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { tempDir } from '../helpers/broker.ts';
import { until } from '../helpers/groups.ts';
import { BUZZLINE, track } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';

let mnt: string;
let dataDir: string;

before(() => {
  mnt = tempDir('buzzline-start-tmpfs-');
  dataDir = tempDir('buzzline-start-data-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
});

after(() => {
  // Lazily: should the test fail, start's parts may still hold files there for a few seconds.
  execFileSync('umount', ['-l', mnt]);
  fs.rmSync(mnt, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

// A frame the broker refuses, and logs a warning about.
async function badFrame(bootstrap: string): Promise<void> {
  const c = await RawClient.connect(bootstrap);
  c.writeRaw(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  await c.waitClosed();
}

test('logs on a full disk: start and its parts keep running, lines are dropped and counted, Ctrl+C stops in order', { timeout: 150_000 }, async () => {
  const child = track(spawn(process.execPath, [BUZZLINE, 'start', '--port', '0', '--dashboard-port', '0', '--accounts', '1000', '--speed', '9000', '--fraud-rate', '0.05', '--data-dir', dataDir],
    { cwd: mnt, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(() => /ALERT/.test(output), 90_000, () => `alerts:\n${output}`);
  const bootstrap = /embedded broker on ([\d.]+:\d+)/.exec(output)?.[1] ?? '';

  // Full, the broker log's last page included (tmpfs allocates by the page, and a write that fits in the
  // file's last page needs no new one).
  const brokerLog = path.join(mnt, 'logs/broker.log');
  fs.appendFileSync(brokerLog, ' '.repeat(8192 - (fs.statSync(brokerLog).size % 4096) - 1) + '\n');
  const filler = path.join(mnt, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
  } catch {
    // dd stops with ENOSPC, as intended
  }
  const sizeFull = fs.statSync(brokerLog).size;
  for (let i = 0; i < 5; i++) await badFrame(bootstrap);
  // Alerts keep coming through start while nothing can be logged.
  const alertsBefore = output.split('ALERT').length;
  await until(() => output.split('ALERT').length > alertsBefore + 3, 30_000, () => `more alerts while the disk is full:\n${output}`);
  assert.equal(child.exitCode, null, `start is running:\n${output}`);
  assert.ok(fs.statSync(brokerLog).size - sizeFull < 4096, 'nothing much was written');

  fs.rmSync(filler);
  await badFrame(bootstrap);
  await until(() => fs.readFileSync(brokerLog, 'utf8').includes('log lines dropped while the log could not be written'), 15_000, () => `the notice of dropped lines; df: ${execFileSync('df', ['-k', mnt], { encoding: 'utf8' })}; ls: ${execFileSync('ls', ['-la', path.join(mnt, 'logs')], { encoding: 'utf8' })}; tail: ${fs.readFileSync(brokerLog, 'utf8').slice(-600)}`);
  const notice = fs.readFileSync(brokerLog, 'utf8').split('\n').find((l) => l.includes('log lines dropped'));
  assert.ok(((JSON.parse(notice ?? '{}') as { dropped?: number }).dropped ?? 0) >= 5, notice);

  process.kill(-(child.pid as number), 'SIGINT');
  assert.equal(await exited, 0, output);
  assert.match(output, /processed [\d,]+ records in/, 'the processor stopped the orderly way');
  assert.doesNotMatch(output, /exited unexpectedly|Unhandled|ENOSPC/, output);
});
