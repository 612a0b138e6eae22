// `buzzline topics`, `buzzline groups` and `buzzline tail` against the real broker, with data written by
// kcat and group offsets committed through @platformatic/kafka, the way kcat users would check them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { inputProducer } from '../helpers/bank-input.ts';
import { startBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { until } from '../helpers/groups.ts';
import { BUZZLINE, onLines, run, track } from '../helpers/processes.ts';

let tb: TestBroker;
const work = tempDir('buzzline-cluster-cmds-');
const TOPIC = 'cmd-orders';
const COUNT = 30;
const values = Array.from({ length: COUNT }, (_, i) => `{"n":${i}}`);

before(async () => {
  tb = await startBroker();
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [tb.bootstrap] });
  try {
    await admin.createTopics({ topics: [TOPIC, 'cmd-empty'], partitions: 3, replicas: 1 });
  } finally {
    await admin.close();
  }
  const file = path.join(work, 'input.txt');
  fs.writeFileSync(file, values.map((v, i) => `acct-${i % 3}\t${v}`).join('\n') + '\n');
  const produced = await run('kcat', ['-b', tb.bootstrap, '-P', '-t', TOPIC, '-K', '\t', '-X', 'acks=all', '-l', file]);
  assert.equal(produced.code, 0, produced.stderr);
});
after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

const buzzline = (args: string[]) => run(process.execPath, [BUZZLINE, ...args, '--brokers', tb.bootstrap], { timeoutMs: 30_000 });

function endOffsets(): number[] {
  const t = tb.broker.context.topics.get(TOPIC);
  assert.ok(t);
  return t.partitions.map((p) => p.log.logEndOffset);
}

test('topics: one row per topic with its partitions and messages; --partitions and --json agree with the broker', async () => {
  const r = await buzzline(['topics']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /broker 1 at 127\.0\.0\.1:\d+ \(controller\)/);
  assert.match(r.stdout, new RegExp(`^${TOPIC}\\s+3\\s+${COUNT}$`, 'm'));
  assert.match(r.stdout, /^cmd-empty\s+3\s+0$/m);

  const ends = endOffsets();
  const withPartitions = await buzzline(['topics', '--partitions']);
  for (const [p, end] of ends.entries()) assert.match(withPartitions.stdout, new RegExp(`^${TOPIC}\\s+${p}\\s+1\\s+0\\s+${end}\\s+${end}$`, 'm'));

  const json = JSON.parse((await buzzline(['topics', '--json'])).stdout) as { topics: Array<{ name: string; messages: string; partitions: Array<{ latest: string }> }> };
  const orders = json.topics.find((t) => t.name === TOPIC);
  assert.equal(orders?.messages, String(COUNT));
  assert.deepEqual(orders?.partitions.map((p) => Number(p.latest)), ends);
});

test('groups: committed offset, end offset and lag per partition', async () => {
  const ends = endOffsets();
  const committed = [1, 2, 0];
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [tb.bootstrap] });
  try {
    await admin.alterConsumerGroupOffsets({ groupId: 'cmd-group', topics: [{ name: TOPIC, partitionOffsets: committed.map((offset, partition) => ({ partition, offset: BigInt(offset) })) }] });
  } finally {
    await admin.close();
  }
  const r = await buzzline(['groups', 'cmd-group']);
  assert.equal(r.code, 0, r.stderr);
  const lag = ends.reduce((n, end, p) => n + end - (committed[p] ?? 0), 0);
  assert.match(r.stdout, new RegExp(`^cmd-group: Empty, 0 member\\(s\\), protocol -, total lag ${lag}$`, 'm'));
  for (const [p, end] of ends.entries()) {
    assert.match(r.stdout, new RegExp(`^${TOPIC}\\s+${p}\\s+${committed[p]}\\s+${end}\\s+${end - (committed[p] ?? 0)}\\s+-$`, 'm'));
  }
  const json = JSON.parse((await buzzline(['groups', 'cmd-group', '--json'])).stdout) as Array<{ groupId: string; partitions: Array<{ lag: string }> }>;
  assert.deepEqual(json[0]?.partitions.map((p) => Number(p.lag)), ends.map((end, p) => end - (committed[p] ?? 0)));

  const missing = await buzzline(['groups', 'no-such-group']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such group: no-such-group/);
});

test('tail -o beginning -e: every record once, readable lines and --json', async () => {
  const readable = await buzzline(['tail', TOPIC, '-o', 'beginning', '-e']);
  assert.equal(readable.code, 0, readable.stderr);
  const lines = readable.stdout.trim().split('\n');
  assert.equal(lines.length, COUNT);
  for (const line of lines) assert.match(line, /^\[[0-2]\] @\d+ \d{4}-\d\d-\d\dT[\d:.]+Z acct-[0-2] \{"n":\d+\}$/);

  const json = await buzzline(['tail', TOPIC, '-o', 'beginning', '-e', '--json']);
  const records = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { topic: string; partition: number; offset: number; key: string; value: string });
  assert.deepEqual(records.map((r) => r.value).sort(), [...values].sort());
  for (const r of records) assert.equal(r.topic, TOPIC);

  const lastTwo = await buzzline(['tail', TOPIC, '-o', '-2', '-p', '1', '-e', '--json']);
  const end = endOffsets()[1] ?? 0;
  assert.ok(end >= 2);
  const tailEnd = lastTwo.stdout.trim().split('\n').map((l) => JSON.parse(l) as { partition: number; offset: number }).map((r) => [r.partition, r.offset]);
  assert.deepEqual(tailEnd, [[1, end - 2], [1, end - 1]]);
});

// A producer may set any int64 timestamp. One beyond what a Date holds ended tail at that record with
// "Invalid time value", so nothing after it could be read.
test('tail shows a record timestamp beyond the dates JavaScript holds as its number, and reads on', async () => {
  const topic = 'cmd-odd-times';
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [tb.bootstrap] });
  try {
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
  } finally {
    await admin.close();
  }
  const producer = inputProducer(tb.bootstrap);
  try {
    // One batch each: in one batch the second record's time is a delta from the first, which the client
    // computes with too little precision at this size.
    for (const [i, timestamp] of [9_000_000_000_000_000_000n, BigInt(Date.UTC(2025, 0, 15))].entries()) {
      await producer.send({ messages: [{ topic, partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp }] });
    }
  } finally {
    await producer.close();
  }
  const readable = await buzzline(['tail', topic, '-p', '0', '-o', 'beginning', '-e']);
  assert.equal(readable.code, 0, readable.stderr);
  assert.deepEqual(readable.stdout.trim().split('\n'), ['[0] @0 9000000000000000000 k0 v0', '[0] @1 2025-01-15T00:00:00.000Z k1 v1']);
  const json = await buzzline(['tail', topic, '-p', '0', '-o', 'beginning', '-e', '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(json.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { timestamp: string }).timestamp), ['9000000000000000000', '2025-01-15T00:00:00.000Z']);
});

test('tail follows new records from the end until Ctrl+C; -c stops after n; unknown topics and bad offsets are one line', async () => {
  const child = track(spawn(process.execPath, [BUZZLINE, 'tail', TOPIC, '--brokers', tb.bootstrap, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const seen: string[] = [];
  onLines(child.stdout, (l) => seen.push((JSON.parse(l) as { value: string }).value));
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Its start is fixed (the end) once it says it follows; nothing old is printed.
  await until(() => stderr.includes('following'), 30_000, () => `tail to follow (stderr: ${stderr})`);
  assert.equal(stderr.trim(), `buzzline tail: following ${TOPIC} (3 partitions); Ctrl+C stops`);
  const produced = await run('kcat', ['-b', tb.bootstrap, '-P', '-t', TOPIC, '-k', 'acct-9'], { input: 'fresh-1\nfresh-2\n' });
  assert.equal(produced.code, 0, produced.stderr);
  await until(() => seen.length >= 2, 10_000, () => `the new records (saw ${JSON.stringify(seen)})`);
  assert.deepEqual(seen, ['fresh-1', 'fresh-2']);
  child.kill('SIGINT');
  assert.equal(await exited, 0);

  const counted = await buzzline(['tail', TOPIC, '-o', 'beginning', '-c', '5']);
  assert.equal(counted.code, 0, counted.stderr);
  assert.equal(counted.stdout.trim().split('\n').length, 5);

  const unknown = await buzzline(['tail', 'no-such-topic', '-e']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr.trim(), 'buzzline tail: topic no-such-topic does not exist');

  const bad = await buzzline(['tail', TOPIC, '-o', 'yesterday']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--offset.*expected beginning, end, an offset or -N/);
});
