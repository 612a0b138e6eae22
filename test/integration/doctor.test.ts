// `buzzline doctor` against the embedded broker (everything passes, scratch topic removed) and against a
// port nobody listens on (a clear failure, exit 1, no stack trace).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { BUZZLINE, run } from '../helpers/processes.ts';

let tb: TestBroker;
before(async () => {
  tb = await startBroker();
});
after(() => tb.stop());

test('doctor passes every check against the embedded broker and cleans up', { timeout: 60_000 }, async () => {
  const res = await run(process.execPath, [BUZZLINE, 'doctor', '--brokers', tb.bootstrap]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  for (const check of ['tcp connect', 'api versions', 'metadata', 'create scratch topic', 'produce', 'consume in a group', 'committed offset', 'delete scratch topic']) {
    assert.match(res.stdout, new RegExp(`✔ ${check}`), check);
  }
  assert.match(res.stdout, /all checks passed/);
  assert.deepEqual(tb.broker.context.topics.list().map((t) => t.name).filter((n) => n.startsWith('buzzline-doctor')), []);
});

test('doctor counts the topics the broker has', { timeout: 60_000 }, async () => {
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [tb.bootstrap] });
  try {
    await admin.createTopics({ topics: ['count-a', 'count-b', 'count-c', 'count-d', 'count-e'], partitions: 1, replicas: 1 });
  } finally {
    await admin.close();
  }
  // Internal topics (__consumer_offsets, once a group committed) are not listed to clients, as in Kafka.
  const topics = tb.broker.context.topics.list().filter((t) => !t.internal).length;
  assert.ok(topics >= 5);
  const res = await run(process.execPath, [BUZZLINE, 'doctor', '--brokers', tb.bootstrap]);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.match(res.stdout, new RegExp(`✔ metadata .*, ${topics} topic\\(s\\) listed`));
});

test('doctor reports an unreachable broker clearly', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const res = await run(process.execPath, [BUZZLINE, 'doctor', '--brokers', `127.0.0.1:${port}`]);
  assert.equal(res.code, 1);
  assert.match(res.stdout, /✖ tcp connect .*ECONNREFUSED/);
  assert.doesNotMatch(res.stdout + res.stderr, /\n\s+at /, 'no stack trace');
});

test('doctor rejects a malformed broker list', async () => {
  const res = await run(process.execPath, [BUZZLINE, 'doctor', '--brokers', 'host:notaport']);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /--brokers/);
});
