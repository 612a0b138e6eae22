// A failure a restart cannot fix ends `buzzline consume` at once: after a run with windowMs 1000, a run
// with --set windowMs=2000 cannot restore the snapshots, and says so in one line and exits 1 on the first
// attempt, instead of reporting a broker outage and restarting forever. (How many seconds that takes is the
// machine's: process start and group join, 2-3 s quiet, over 15 s on a loaded 2-core machine; the point
// is that no restart is tried.) Nothing is lost: a run with the
// configuration that wrote the snapshots carries on, and the metric totals are exact.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bankInput, groupLag, inputProducer, inputTotals, produceInput, readOutputs, waitFor, windowTotals } from '../helpers/bank-input.ts';
import { startBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { spawnBuzzline } from '../helpers/processes.ts';

const GROUP = 'window-change-group';

let tb: TestBroker;
let work: string;

before(async () => {
  tb = await startBroker({ defaultPartitions: 1, groupInitialRebalanceDelayMs: 0 });
  work = tempDir('buzzline-permanent-');
});

after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function consume(life: number, extra: string[] = []) {
  const logFile = path.join(work, `consumer-${life}.log`);
  const proc = spawnBuzzline(['consume', '--brokers', tb.bootstrap, '--no-dashboard', '--quiet', '--group', GROUP,
    '--checkpoint-interval', '300', '--session-timeout', '6000', '--log-file', logFile, '--log-level', 'debug', ...extra]);
  const checkpointed = () => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('"event":"checkpoint"');
  return { ...proc, checkpointed, logFile };
}

test('changing windowMs between runs ends the processor without a restart, with one clear line, and loses nothing', { timeout: 120_000 }, async () => {
  const input = bankInput({ seed: 'window-change', total: 3000, malformed: 20 });
  const producer = inputProducer(tb.bootstrap);
  try {
    // The first run checkpoints part of the input and stops; the rest arrives before the second run, so
    // the second has records to process and must restore the first one's snapshot (a partition is
    // restored with its first record).
    const first = consume(0);
    await produceInput(producer, input.slice(0, 1000), { batch: 100, pauseMs: 50 });
    await waitFor('the first run to checkpoint', first.checkpointed, 30_000, 50);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.stderr());
    await produceInput(producer, input.slice(1000, 2000), { batch: 100 });

    const second = consume(1, ['--set', 'windowMs=2000']);
    const code = await Promise.race([second.exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000))]);
    const stderr = second.stderr();
    assert.notEqual(code, 'timeout', `no exit within 60 s:\n${stderr}`);
    assert.equal(code, 1, stderr);
    const lines = stderr.split('\n').filter((l) => l.startsWith('buzzline consume:'));
    assert.equal(lines.length, 1, `one line:\n${stderr}`);
    assert.match(lines[0] ?? '', /^buzzline consume: cannot restore partition 0 from its snapshot at offset \d+: snapshot window length 1000 ms differs from configured 2000 ms\. Run with the configuration that wrote the snapshot, or start over under another --group\.$/);
    assert.doesNotMatch(stderr, /broker unavailable|restarting/);
    const failed = fs.readFileSync(second.logFile, 'utf8').split('\n').filter((l) => l.includes('"event":"failed"'));
    assert.equal(failed.length, 1, 'the failure is logged');
    assert.doesNotMatch(fs.readFileSync(second.logFile, 'utf8'), /"event":"restart"/, 'no restart was tried');
    assert.match(failed[0] ?? '', /"category":"snapshot".*"stack":/);

    // The way out the line names: the configuration that wrote the snapshots.
    await produceInput(producer, input.slice(2000), { batch: 500 });
    const third = consume(2);
    await waitFor('the whole input to be committed', async () => (await groupLag(tb.bootstrap, GROUP)) === 0n, 60_000);
    third.child.kill('SIGTERM');
    assert.equal(await third.exited, 0, third.stderr());
  } finally {
    await producer.close();
  }
  const out = await readOutputs(tb.bootstrap, GROUP);
  assert.deepEqual(windowTotals(out.windows), inputTotals(input));
});
