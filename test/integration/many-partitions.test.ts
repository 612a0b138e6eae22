// A 10,000-partition topic under `ulimit -n 1024`: the broker runs as a child process with that limit,
// confluent_kafka's AdminClient creates the topic, kcat (librdkafka) produces to and consumes from a few
// of its partitions, and the broker's descriptors (/proc/<pid>/fd) stay under the limit, before and after
// a restart that recovers all 10,000 partitions. A create that fails part way answers an error code and
// leaves no directory behind. Three files per partition would need 30,000 descriptors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/broker.ts';
import { run, runPythonJson, spawnBroker } from '../helpers/processes.ts';
import type { BrokerProcess } from '../helpers/processes.ts';

const CREATE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py/create-topic.py');
const LIMIT = 1024;
const TOPIC = 'wide';
const PARTITIONS = 10_000;
const SAMPLE = [0, 4_321, 9_999];

let dataDir: string;
let broker: BrokerProcess;

before(async () => {
  dataDir = tempDir('buzzline-wide-');
  broker = await spawnBroker(dataDir, [], { openFileLimit: LIMIT });
});
after(async () => {
  broker.child.kill('SIGKILL');
  await broker.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function openDescriptors(b: BrokerProcess): number {
  return fs.readdirSync(`/proc/${b.child.pid}/fd`).length;
}

function create(topic: string, partitions: number): Promise<{ error: string | null; message?: string }> {
  return runPythonJson(CREATE, broker.bootstrap, [topic, String(partitions)], 'create-topic');
}

async function roundTrip(tag: string): Promise<void> {
  for (const p of SAMPLE) {
    const produced = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', TOPIC, '-p', String(p), '-X', 'acks=all'], { input: `${tag} to ${p}\n` });
    assert.equal(produced.code, 0, produced.stderr);
  }
  for (const p of SAMPLE) {
    const consumed = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', TOPIC, '-p', String(p), '-o', 'beginning', '-e', '-q']);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.ok(consumed.stdout.split('\n').includes(`${tag} to ${p}`), `partition ${p} holds "${tag} to ${p}": ${consumed.stdout}`);
  }
}

test(`${PARTITIONS} partitions are created and used under ulimit -n ${LIMIT}`, async () => {
  assert.deepEqual(await create(TOPIC, PARTITIONS), { error: null });
  assert.equal(fs.readdirSync(dataDir).filter((n) => n.startsWith(`${TOPIC}-`)).length, PARTITIONS);
  await roundTrip('first');
  const listed = await run('kcat', ['-b', broker.bootstrap, '-L', '-t', TOPIC]);
  assert.match(listed.stdout, new RegExp(`topic "${TOPIC}" with ${PARTITIONS} partitions`));
  const fds = openDescriptors(broker);
  assert.ok(fds < LIMIT, `${fds} descriptors open`);
});

test('a create that fails part way answers an error code and leaves nothing behind; the next create works', async () => {
  // Something that is not ours sits where partition 5 of "blocked" would go.
  fs.writeFileSync(path.join(dataDir, 'blocked-5'), 'not a partition');
  const failed = await create('blocked', 50);
  assert.equal(failed.error, 'KAFKA_STORAGE_ERROR');
  assert.match(failed.message ?? '', /cannot create topic blocked/);
  assert.deepEqual(fs.readdirSync(dataDir).filter((n) => n.startsWith('blocked-')), ['blocked-5'], 'only the stray file remains');
  assert.equal(fs.readFileSync(path.join(dataDir, 'blocked-5'), 'utf8'), 'not a partition');
  assert.deepEqual(await create('after-failure', 20), { error: null });
  assert.ok(openDescriptors(broker) < LIMIT);
});

test(`after a restart that recovers ${PARTITIONS} partitions the broker is still under the limit`, async () => {
  broker.child.kill('SIGTERM');
  assert.equal(await broker.exited, 0);
  broker = await spawnBroker(dataDir, [], { openFileLimit: LIMIT });
  const fds = openDescriptors(broker);
  assert.ok(fds < LIMIT, `${fds} descriptors open after recovery`);
  await roundTrip('second');
  const consumed = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', TOPIC, '-p', '9999', '-o', 'beginning', '-e', '-q']);
  assert.deepEqual(consumed.stdout.trim().split('\n'), ['first to 9999', 'second to 9999'], 'what was written before the restart is still there');
  assert.ok(openDescriptors(broker) < LIMIT);
});
