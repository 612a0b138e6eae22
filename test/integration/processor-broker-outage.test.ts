// The processor outlives its broker: `buzzline consume --wait-for-brokers` started before any broker is
// up keeps retrying (without the flag it reports the refused address and exits); once the broker comes
// it processes; the broker is then killed with SIGKILL mid-run and brought back on
// the same port and data directory, and the same processor process carries on from its last checkpoint.
// Every record is processed, metric totals are exact, no alert is published twice.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { TOPICS } from '../../src/bank/transaction.ts';
import { bankInput, groupLag, inputProducer, inputTotals, produceInput, readOutputs, waitFor, windowTotals } from '../helpers/bank-input.ts';
import { tempDir } from '../helpers/broker.ts';
import { BUZZLINE, spawnBroker, track } from '../helpers/processes.ts';

const GROUP = 'outage-group';
const work = tempDir('buzzline-outage-');
after(() => fs.rmSync(work, { recursive: true, force: true }));

async function freePort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return String(port);
}

test('the processor waits for a missing broker, survives a kill -9 of it, and stays exactly-once', { timeout: 120_000 }, async () => {
  const dataDir = path.join(work, 'data');
  const port = await freePort();
  const bootstrap = `127.0.0.1:${port}`;
  const input = bankInput({ seed: 'outage', total: 6000, malformed: 30 });
  const half = input.length / 2;

  const consumer = track(spawn(process.execPath, [BUZZLINE, 'consume', '--brokers', bootstrap, '--no-dashboard', '--quiet', '--group', GROUP,
    '--instance-id', 'worker-1', '--wait-for-brokers', '--session-timeout', '6000', '--checkpoint-interval', '300', '--log-file', path.join(work, 'consumer.log')],
  { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  consumer.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  consumer.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => consumer.on('exit', (code) => resolve(code)));

  await waitFor('the processor to report the missing broker', () => /broker unavailable .*restarting from the last checkpoint/.test(stderr), 30_000);
  assert.equal(consumer.exitCode, null, `the processor keeps retrying:\n${stderr}`);
  let broker = await spawnBroker(dataDir, ['--default-partitions', '3', '--port', port]);

  let producer = inputProducer(bootstrap);
  await produceInput(producer, input.slice(0, half), { batch: 500 });
  await producer.close();
  await waitFor('the first half to be committed', async () => (await groupLag(bootstrap, GROUP)) === 0n, 60_000);

  broker.child.kill('SIGKILL');
  await broker.exited;
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(consumer.exitCode, null, `the processor outlives the broker:\n${stderr}`);
  broker = await spawnBroker(dataDir, ['--port', port]);

  producer = inputProducer(bootstrap);
  await produceInput(producer, input.slice(half), { batch: 500 });
  await producer.close();
  await waitFor('the second half to be committed', async () => (await groupLag(bootstrap, GROUP)) === 0n, 60_000);

  consumer.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  const out = await readOutputs(bootstrap, GROUP);
  assert.deepEqual(windowTotals(out.windows), inputTotals(input));
  assert.equal(new Set(out.alertIds).size, out.alertIds.length, 'no alert published twice');
  assert.ok(out.alertIds.length > 0);
  broker.child.kill('SIGTERM');
  assert.equal(await broker.exited, 0);
});

// A cluster that does not create topics on demand (real Kafka with auto.create.topics.enable=false, which
// the README says to prepare by hand) and no bank_alerts yet: the processor says so and waits for the
// topic, then processes it. It exited with "unexpected error (UserError: Unknown topic bank_alerts); this
// is a bug", the client's way of reporting a topic it may not create.
test('the processor (and the producer) wait for a source topic the cluster does not create, and go on once it is made', { timeout: 120_000 }, async () => {
  const broker = await spawnBroker(path.join(work, 'no-auto-create'), ['--no-auto-create-topics', '--default-partitions', '1']);
  const consumer = track(spawn(process.execPath, [BUZZLINE, 'consume', '--brokers', broker.bootstrap, '--no-dashboard', '--quiet', '--group', 'no-auto-create-group',
    '--session-timeout', '6000', '--checkpoint-interval', '300', '--log-file', path.join(work, 'no-auto-create.log')], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  consumer.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  consumer.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => consumer.on('exit', (code) => resolve(code)));
  try {
    await Promise.race([
      waitFor('the processor to say the topic is missing', async () => /topic bank_alerts does not exist, and the cluster does not create topics on demand \(create it\); restarting/.test(stderr), 60_000, 200),
      exited.then((code) => assert.fail(`the processor exited with ${code}:\n${stderr}`)),
    ]);
    // The simulator's producer says the same, and waits too.
    const produce = track(spawn(process.execPath, [BUZZLINE, 'produce', '--brokers', broker.bootstrap, '--count', '50', '--speed', 'max', '--seed', 'no-auto-create',
      '--bank-state', path.join(work, 'no-auto-create-bank.json'), '--log-file', path.join(work, 'no-auto-create-producer.log')], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let produceErr = '';
    produce.stderr?.on('data', (b: Buffer) => (produceErr += b.toString()));
    produce.stdout?.resume();
    const produced = new Promise<number | null>((resolve) => produce.on('exit', (code) => resolve(code)));
    await waitFor('the producer to say the topic is missing', () => /topic bank_alerts does not exist on 127\.0\.0\.1:\d+, and the cluster does not create topics on demand \(create it\); retrying/.test(produceErr), 30_000, 200);
    assert.doesNotMatch(produceErr, /cannot connect/);
    const admin = new Admin({ clientId: 'no-auto-create-admin', bootstrapBrokers: [broker.bootstrap] });
    try {
      await admin.createTopics({ topics: [TOPICS.transactions], partitions: 1, replicas: 1 });
    } finally {
      await admin.close();
    }
    assert.equal(await produced, 0, produceErr);
    const input = bankInput({ seed: 'no-auto-create', total: 200, malformed: 5 });
    const producer = inputProducer(broker.bootstrap);
    try {
      await produceInput(producer, input);
    } finally {
      await producer.close();
    }
    await Promise.race([
      waitFor('the input to be committed', async () => (await groupLag(broker.bootstrap, 'no-auto-create-group')) === 0n, 90_000, 250),
      exited.then((code) => assert.fail(`the processor exited with ${code}:\n${stderr}`)),
    ]);
    assert.doesNotMatch(stderr, /this is a bug/);
    consumer.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    consumer.kill('SIGKILL');
    broker.child.kill('SIGTERM');
    await broker.exited;
  }
});
