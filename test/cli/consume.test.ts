// `buzzline consume` argument handling: bad settings and broker lists are reported together with what
// is allowed and exit with code 2 before anything connects.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/broker.ts';
import { BUZZLINE, run } from '../helpers/processes.ts';

test('invalid settings from --config and --set are all reported, exit code 2', async () => {
  const dir = tempDir('buzzline-consume-cli-');
  try {
    const file = path.join(dir, 'rules.json');
    fs.writeFileSync(file, JSON.stringify({ rules: { velocity: { count: 1 } } }));
    const r = await run(process.execPath, [BUZZLINE, 'consume', '--no-dashboard', '--config', file, '--set', 'rules.nope=3', '--set', 'windowMs=abc'], { timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /rules\.velocity\.count must be >= 2 \(got 1\)/);
    assert.match(r.stderr, /unknown setting rules\.nope/);
    assert.match(r.stderr, /windowMs must be a number/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad broker list from KAFKA_BROKERS is named in the error', async () => {
  const r = await run(process.execPath, [BUZZLINE, 'consume', '--no-dashboard'], { timeoutMs: 30_000, env: { ...process.env, KAFKA_BROKERS: 'host:0' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /KAFKA_BROKERS: "host:0": expected host:port with a port from 1 to 65535/);
});
