// Static membership gone wrong: two `buzzline consume` processes started with the same --instance-id.
// The second takes the membership over and the broker fences the first (FENCED_INSTANCE_ID on its next
// heartbeat). The first must stop with a line that says why; it used to rejoin, fencing the second in
// turn, and the two took the partitions from each other every few seconds for as long as both ran
// (25 assignments each in 25 s). The second keeps its one assignment and processes what comes next.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { bankInput, groupLag, inputProducer, produceInput, readOutputs, waitFor } from '../helpers/bank-input.ts';
import { tempDir } from '../helpers/broker.ts';
import { BUZZLINE, spawnBroker, track } from '../helpers/processes.ts';

const GROUP = 'instance-id-group';
const work = tempDir('buzzline-instance-id-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

interface Worker {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  log: string;
}

function worker(bootstrap: string, name: string): Worker {
  const log = path.join(work, `${name}.log`);
  const child = track(spawn(process.execPath, [BUZZLINE, 'consume', '--brokers', bootstrap, '--no-dashboard', '--quiet', '--group', GROUP,
    '--instance-id', 'worker-1', '--checkpoint-interval', '300', '--log-file', log], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout?.resume();
  return { child, stderr: () => stderr, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))), log };
}

const assignments = (log: string): number => fs.readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('"event":"assignment"')).length;

test('of two processors with the same --instance-id, the one taken over stops and says why; the other keeps its partitions', { timeout: 120_000 }, async () => {
  const broker = await spawnBroker(path.join(work, 'data'), ['--default-partitions', '3']);
  const input = bankInput({ seed: 'instance-id', total: 4000, malformed: 10 });
  const producer = inputProducer(broker.bootstrap);
  await produceInput(producer, input.slice(0, 2000), { batch: 500 });

  const first = worker(broker.bootstrap, 'first');
  await waitFor('the first processor to commit everything', async () => (await groupLag(broker.bootstrap, GROUP)) === 0n, 60_000);
  const second = worker(broker.bootstrap, 'second');
  assert.equal(await first.exited, 1, first.stderr());
  assert.match(first.stderr(), /another process joined group instance-id-group with --instance-id worker-1 and took over its partitions; this one stops\. Give each worker its own --instance-id/);
  assert.doesNotMatch(first.stderr(), /this is a bug|^\s+at /m);

  await produceInput(producer, input.slice(2000), { batch: 500 });
  await producer.close();
  await waitFor('the second processor to commit the rest', async () => (await groupLag(broker.bootstrap, GROUP)) === 0n, 60_000);
  // A few heartbeats later it still has the one assignment it got.
  await new Promise((r) => setTimeout(r, 4000));
  assert.equal(second.child.exitCode, null, second.stderr());
  assert.equal(assignments(second.log), 1);
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.stderr());

  const out = await readOutputs(broker.bootstrap, GROUP);
  assert.equal(new Set(out.alertIds).size, out.alertIds.length, 'no alert published twice');
  broker.child.kill('SIGTERM');
  assert.equal(await broker.exited, 0);
});
