// Durability: kill -9 the broker in the middle of a kcat acks=all produce, restart it on the same data
// dir, and every acknowledged message is there exactly once; then tear the tail of a segment file by
// hand and the broker recovers every complete batch.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../helpers/broker.ts';
import { run, spawnBroker, track } from '../helpers/processes.ts';
import { spawn } from 'node:child_process';

const dataDir = tempDir('buzzline-crash-');
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const TOPIC = 'crash';
const COUNT = 300_000;

interface Row { partition: number; offset: number; value: string }

// Two reads of the log are compared partition by partition, offset by offset (what the broker promises;
// the order kcat interleaves partitions in is its own), and row by row: when two reads of 300,000 rows
// differed, assert.deepEqual's diff of them grew the test process to 23 GB until the kernel killed it,
// which stalled the rest of the suite for minutes and left no message saying what differed.
function assertSameLog(actual: Row[], expected: Row[]): void {
  const inLogOrder = (rows: Row[]) => [...rows].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const a = inLogOrder(actual);
  const e = inLogOrder(expected);
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    const got = a[i];
    const want = e[i];
    if (got?.partition !== want?.partition || got?.offset !== want?.offset || got?.value !== want?.value) {
      assert.fail(`${a.length} rows read, ${e.length} expected; the first difference, row ${i}: ${JSON.stringify(got)} instead of ${JSON.stringify(want)}`);
    }
  }
}

async function consumeAll(bootstrap: string): Promise<Row[]> {
  const res = await run('kcat', ['-b', bootstrap, '-C', '-t', TOPIC, '-e', '-q', '-f', '%p\t%o\t%s\n']);
  assert.equal(res.code, 0, res.stderr);
  return res.stdout.split('\n').filter(Boolean).map((l) => {
    const [p, o, v] = l.split('\t') as [string, string, string];
    return { partition: Number(p), offset: Number(o), value: v };
  });
}

test('kill -9 during an acks=all produce loses no acknowledged message and duplicates none', async () => {
  let broker = await spawnBroker(dataDir, ['--default-partitions', '3']);
  const input = path.join(dataDir, 'input.txt');
  fs.writeFileSync(input, Array.from({ length: COUNT }, (_, i) => `k${i % 50}\tmsg-${i}-${'x'.repeat(i % 100)}`).join('\n') + '\n');

  // No retries: a batch whose answer was lost in the crash is reported failed, never sent twice, so
  // "exactly once" is a statement about the broker alone.
  const producer = track(spawn('kcat', ['-b', broker.bootstrap, '-P', '-t', TOPIC, '-K', '\t', '-l', '-v', '-v', '-v',
    '-X', 'acks=all', '-X', 'message.send.max.retries=0', '-X', 'message.timeout.ms=5000',
    '-X', 'queue.buffering.max.ms=5', '-X', 'batch.num.messages=2000', input], { stdio: ['ignore', 'ignore', 'pipe'] }));
  const acked: { partition: number; offset: number }[] = [];
  let stderr = '';
  let killed = false;
  const producerDone = new Promise<void>((resolve) => producer.on('close', () => resolve()));
  producer.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
    let nl: number;
    while ((nl = stderr.indexOf('\n')) >= 0) {
      const line = stderr.slice(0, nl);
      stderr = stderr.slice(nl + 1);
      const m = /Message delivered to partition (\d+) \(offset (\d+)\)/.exec(line);
      if (m) acked.push({ partition: Number(m[1]), offset: Number(m[2]) });
    }
    if (!killed && acked.length >= 20_000) {
      killed = true;
      broker.child.kill('SIGKILL');
    }
  });
  await producerDone;
  assert.ok(killed, 'the broker was killed while kcat was producing');
  await broker.exited;
  assert.ok(acked.length >= 20_000 && acked.length < COUNT, `acknowledged ${acked.length} of ${COUNT}`);

  broker = await spawnBroker(dataDir);
  const rows = await consumeAll(broker.bootstrap);
  const present = new Set(rows.map((r) => `${r.partition}/${r.offset}`));
  for (const a of acked) assert.ok(present.has(`${a.partition}/${a.offset}`), `acknowledged ${a.partition}/${a.offset} missing`);
  const values = new Set(rows.map((r) => r.value));
  assert.equal(values.size, rows.length, 'a message is stored twice');
  assert.ok(rows.length >= acked.length);

  // Tear the tail: half a batch of garbage after the last complete batch of partition 0.
  broker.child.kill('SIGKILL');
  await broker.exited;
  const partDir = path.join(dataDir, `${TOPIC}-0`);
  const segment = fs.readdirSync(partDir).filter((f) => f.endsWith('.log')).sort().at(-1) as string;
  const segPath = path.join(partDir, segment);
  const cleanSize = fs.statSync(segPath).size;
  const firstBatch = fs.readFileSync(segPath).subarray(0, 200);
  fs.appendFileSync(segPath, firstBatch.subarray(0, 150));

  broker = await spawnBroker(dataDir);
  assert.equal(fs.statSync(segPath).size, cleanSize, 'recovery truncates the torn tail');
  const after = await consumeAll(broker.bootstrap);
  assertSameLog(after, rows);
  broker.child.kill('SIGTERM');
  assert.equal(await broker.exited, 0, 'graceful shutdown exits 0');
});
