// Damaged metadata is refused, never replaced: a real broker process exits with one line naming the file
// and leaves it as it was; a missing cluster metadata file next to topic data is refused with the fix.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/broker.ts';
import { BUZZLINE, run, spawnBroker } from '../helpers/processes.ts';

const META = 'buzzline-meta.json';

async function dirWithTopic(): Promise<string> {
  const dir = tempDir();
  const b = await spawnBroker(dir);
  const r = await run('kcat', ['-b', b.bootstrap, '-P', '-t', 'kept', '-p', '0'], { input: 'one\ntwo\n', timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  b.child.kill('SIGTERM');
  assert.equal(await b.exited, 0);
  assert.ok(fs.existsSync(path.join(dir, 'kept-0')));
  return dir;
}

const startIn = (dir: string) => run(process.execPath, [BUZZLINE, 'broker', '--port', '0', '--data-dir', dir], { timeoutMs: 30_000 });

test('a metadata file with "partitions":"x" is refused with one line naming it, and not written back', async () => {
  const dir = await dirWithTopic();
  try {
    const file = path.join(dir, META);
    const damaged = fs.readFileSync(file, 'utf8').replace(/"partitions": *\d+/, '"partitions": "x"');
    fs.writeFileSync(file, damaged);
    const r = await startIn(dir);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, new RegExp(`^buzzline broker: damaged metadata file ${file.replace(/[.]/g, '\\.')}: topic kept: "partitions" is not a positive integer`));
    assert.doesNotMatch(r.stdout, /broker listening/);
    assert.equal(fs.readFileSync(file, 'utf8'), damaged);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a deleted metadata file next to topic data is refused, with how to fix it; no new cluster is started', async () => {
  const dir = await dirWithTopic();
  try {
    const file = path.join(dir, META);
    fs.rmSync(file);
    const r = await startIn(dir);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] as string, /cluster metadata file .*buzzline-meta\.json is missing but .* holds topic data \(kept-0, kept-1, kept-2\): restore the file, or remove the data directory/);
    assert.equal(fs.existsSync(file), false, 'no new metadata written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
