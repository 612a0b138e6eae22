// `buzzline dashboard` as a process: prints where it listens, serves the API, stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
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

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

// A real request with the headers given (fetch may not set Host); for an event stream, the body up to
// its first event.
function request(url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (/^event: snapshot\n/m.test(body)) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`no answer from ${url}`)));
  });
}

test('buzzline dashboard --token --allowed-hosts: other Host names get 403, no token 401; ?token= sets a cookie the event stream accepts', async () => {
  const child = track(spawn(process.execPath, [BUZZLINE, 'dashboard', '--brokers', tb.bootstrap, '--port', '0', '--log-level', 'silent', '--token', 's3cret-t0ken', '--allowed-hosts', 'dash.test, other.test'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const printed = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${output}`)), 20_000);
    child.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
      const m = /dashboard on (http:\/\/127\.0\.0\.1:\d+\/\?token=s3cret-t0ken) /.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const base = new URL('/', printed).toString();
  const port = new URL(printed).port;

  const rebound = await request(`${base}api/summary`, { host: `attacker.example:${port}`, authorization: 'Bearer s3cret-t0ken' });
  assert.equal(rebound.status, 403);
  assert.match(rebound.body, /Host "attacker\.example:\d+" is not allowed: this dashboard answers to .*dash\.test, other\.test/);

  assert.equal((await request(`${base}api/summary`, { host: `dash.test:${port}` })).status, 401);
  assert.equal((await request(`${base}api/events`, {})).status, 401);
  assert.equal((await request(`${base}api/summary`, { authorization: 'Bearer s3cret-t0ken' })).status, 200);

  const visit = await request(printed, { host: `dash.test:${port}` });
  assert.equal(visit.status, 303);
  assert.equal(visit.headers.location, '/');
  const cookie = (visit.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  const stream = await request(`${base}api/events`, { cookie });
  assert.equal(stream.status, 200);
  assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
  assert.match(stream.body, /^event: snapshot$/m);

  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
});
