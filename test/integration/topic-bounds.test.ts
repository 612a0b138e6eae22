// The broker bounds what clients create: past --max-partitions or --max-topics, CreateTopics answers
// POLICY_VIOLATION with a message naming the limit (confluent-kafka's AdminClient), and so does Metadata
// auto-creation as the topic's error (librdkafka's producer via kcat fails the message at once, instead
// of waiting for a topic that may appear); the refusals are logged once per interval, however many.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/broker.ts';
import { run, runPythonJson, spawnBroker, type BrokerProcess } from '../helpers/processes.ts';

const CREATE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py/create-topic.py');
const MAX_TOPICS = 5;
const MAX_PARTITIONS = 12;

let dataDir: string;
let broker: BrokerProcess;
let log = '';

before(async () => {
  dataDir = tempDir('buzzline-bounds-');
  broker = await spawnBroker(dataDir, ['--max-topics', String(MAX_TOPICS), '--max-partitions', String(MAX_PARTITIONS), '--default-partitions', '2']);
  broker.child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
});

after(async () => {
  broker.child.kill('SIGTERM');
  await broker.exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

type Created = { error: string | null; message?: string };
const create = (topic: string, partitions: number) => runPythonJson<Created>(CREATE, broker.bootstrap, [topic, String(partitions)], 'create-topic.py');

async function topicNames(): Promise<string[]> {
  const r = await run('kcat', ['-b', broker.bootstrap, '-L', '-J'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { topics: { topic: string }[] }).topics.map((t) => t.topic).sort();
}

test('creates past --max-partitions and --max-topics are refused with POLICY_VIOLATION and a message', { timeout: 120_000 }, async () => {
  const tooWide = await create('wide', MAX_PARTITIONS + 1);
  assert.equal(tooWide.error, 'POLICY_VIOLATION');
  assert.match(tooWide.message ?? '', /cannot create topic wide with 13 partitions: the broker holds 0 of at most 12 \(--max-partitions\)/);
  assert.deepEqual(await create('first', 2), { error: null });

  // Seven producers auto-create seven topics at once; four fit under the limit of five topics.
  const names = Array.from({ length: 7 }, (_, i) => `auto-${i}`);
  const results = await Promise.all(names.map((t) =>
    run('kcat', ['-b', broker.bootstrap, '-P', '-t', t, '-X', 'message.timeout.ms=4000'], { input: 'one\n', timeoutMs: 60_000 })));
  const ok = results.filter((r) => r.code === 0);
  const refused = results.filter((r) => r.code !== 0);
  assert.equal(ok.length, MAX_TOPICS - 1, results.map((r) => r.stderr).join('\n'));
  assert.equal(refused.length, 3);
  for (const r of refused) assert.match(r.stderr, /Broker: Policy violation/);
  const topics = await topicNames();
  assert.equal(topics.length, MAX_TOPICS, topics.join(', '));

  const oneTooMany = await create('sixth', 1);
  assert.equal(oneTooMany.error, 'POLICY_VIOLATION');
  assert.match(oneTooMany.message ?? '', /cannot create topic sixth: the broker holds 5 topics, its limit \(--max-topics 5\)/);

  // librdkafka asked again and again for the refused topics, and the broker logged it once.
  const notices = log.split('\n').filter((l) => l.includes('auto-creating topics refused'));
  assert.equal(notices.length, 1, notices.join('\n'));
  assert.match(notices[0] ?? '', /"level":40.*--max-topics 5/);
});
