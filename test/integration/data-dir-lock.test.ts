// One broker per data directory: a second `buzzline broker` on a directory in use fails at once with one
// line naming the directory and the owner's pid, before reading anything in it; a lock left by a broker
// that was killed is taken over. Real broker processes throughout.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ApiVersions } from '../../src/protocol/messages/18-api-versions.ts';
import { tempDir } from '../helpers/broker.ts';
import { BUZZLINE, run, spawnBroker } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';

async function answers(bootstrap: string): Promise<void> {
  const c = await RawClient.connect(bootstrap);
  try {
    const req = ApiVersions.request.zero();
    c.send(ApiVersions, 0, req);
    assert.equal((await c.receive(ApiVersions, 0)).body.errorCode, ErrorCode.NONE);
  } finally {
    c.close();
  }
}

test('a second broker on a data directory in use fails at once, naming the directory and the owner', async () => {
  const dir = tempDir();
  try {
    const first = await spawnBroker(dir);
    const lockPath = path.join(dir, '.lock');
    assert.equal(fs.readFileSync(lockPath, 'utf8').trim(), String(first.child.pid));
    // A broker that opened the directory would rewrite its metadata file.
    const metaPath = path.join(dir, 'buzzline-meta.json');
    const meta = fs.statSync(metaPath).mtimeMs;

    const started = Date.now();
    const second = await run(process.execPath, [BUZZLINE, 'broker', '--port', '0', '--data-dir', dir], { timeoutMs: 30_000 });
    assert.equal(second.code, 1);
    const lines = second.stderr.trim().split('\n');
    assert.equal(lines.length, 1, second.stderr);
    assert.equal(lines[0], `buzzline broker: data directory ${dir} is in use by another broker (pid ${first.child.pid})`);
    assert.doesNotMatch(second.stdout, /broker listening/);
    assert.ok(Date.now() - started < 10_000);
    // It read nothing: the metadata file was not rewritten, and the first broker still owns and serves.
    assert.equal(fs.statSync(metaPath).mtimeMs, meta);
    assert.equal(fs.readFileSync(lockPath, 'utf8').trim(), String(first.child.pid));
    await answers(first.bootstrap);

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.equal(fs.existsSync(lockPath), false, 'a clean stop removes the lock');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the lock of a broker that was killed is taken over, and says so', async () => {
  const dir = tempDir();
  try {
    const killed = await spawnBroker(dir);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const lockPath = path.join(dir, '.lock');
    assert.equal(fs.readFileSync(lockPath, 'utf8').trim(), String(killed.child.pid), 'kill -9 leaves the lock behind');

    const next = await spawnBroker(dir);
    await answers(next.bootstrap);
    assert.equal(fs.readFileSync(lockPath, 'utf8').trim(), String(next.child.pid));
    next.child.kill('SIGTERM');
    assert.equal(await next.exited, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock holding a pid that is not running is stale', async () => {
  const dir = tempDir();
  try {
    // The pid of a process that has exited.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(path.join(dir, '.lock'), `${gone}\n`);
    const r = await run(process.execPath, [BUZZLINE, 'broker', '--port', '0', '--data-dir', dir, '--log-level', 'warn'], { timeoutMs: 4000 });
    // Killed after 4 s while serving; what matters is what it logged on the way up.
    assert.match(r.stdout, new RegExp(`"stalePid":${gone}.*"msg":"taking over the stale lock of a broker that is no longer running"`));
    assert.equal(r.stderr, '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
