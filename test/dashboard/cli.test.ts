// `buzzline dashboard` as a process: prints where it listens, serves the API, stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startBroker, type TestBroker } from '../helpers/broker.ts';
import { BUZZLINE, track } from '../helpers/processes.ts';

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
});
after(async () => {
  await tb.stop();
});

test('buzzline dashboard --port 0 serves the API on loopback and exits 0 on SIGTERM', async () => {
  const child = track(spawn(process.execPath, [BUZZLINE, 'dashboard', '--brokers', tb.bootstrap, '--port', '0', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 20_000);
    child.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
      const m = /dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const res = await fetch(new URL('/api/summary', url));
  assert.equal(res.status, 200);
  const body = (await res.json()) as { totals: { records: number } };
  assert.equal(body.totals.records, 0);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});

test('buzzline dashboard rejects a bad broker list before starting', async () => {
  const child = track(spawn(process.execPath, [BUZZLINE, 'dashboard', '--brokers', 'localhost:0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 1);
  assert.match(stderr, /--brokers.*port from 1 to 65535/);
});
