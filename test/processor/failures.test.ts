// Failure classification (failures.ts): what a restart can fix and what it cannot, from real errors of
// the Kafka client where it can make them, and across the processing thread's boundary.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Admin, NetworkError, ProtocolError, ResponseError } from '@platformatic/kafka';
import pino from 'pino';
import { ConfigError, DEFAULT_CONFIG, loadConfig, type ProcessorConfig } from '../../src/processor/config.ts';
import { classifyFailure, InstanceFencedError, RestartableError, withClassification } from '../../src/processor/failures.ts';
import type { KafkaPorts } from '../../src/processor/kafka-io.ts';
import { PartitionProcessor } from '../../src/processor/partition-processor.ts';
import { RunnerThread } from '../../src/processor/runner-thread.ts';
import type { ThreadRunnerOptions } from '../../src/processor/runner-thread-protocol.ts';
import type { OutputOffsets, StoredSnapshot } from '../../src/processor/runner-ports.ts';
import { errorFromWire, errorToWire } from '../../src/processor/thread-rpc.ts';
import { LocalSinks } from '../../src/processor/sinks.ts';
import { SnapshotError, SnapshotMismatchError } from '../../src/processor/state.ts';
import { record, T0 } from './helpers.ts';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// What the client really throws when nothing listens: a MultipleErrors of retries around the
// NetworkError around Node's ECONNREFUSED.
async function connectionRefused(): Promise<{ error: unknown; port: number }> {
  const port = await closedPort();
  const admin = new Admin({ clientId: 'failures-test', bootstrapBrokers: [`127.0.0.1:${port}`], retries: 1, retryDelay: 10 });
  try {
    await admin.listTopics();
  } catch (error) {
    return { error, port };
  } finally {
    await admin.close();
  }
  throw new Error('listTopics succeeded without a broker');
}

const windowed = (windowMs: number): ProcessorConfig => ({ ...DEFAULT_CONFIG, windowMs });

// A snapshot of partition 0 with open windows of windowMs.
function snapshotWith(windowMs: number): StoredSnapshot {
  const proc = new PartitionProcessor(0, windowed(windowMs));
  for (let i = 0; i < 5; i++) {
    proc.process(record(i, { transaction_id: `t${i}`, timestamp: new Date(T0 + i * 300).toISOString(), account_id: 'ACC1', transaction_type: 'deposit', amount: 12.5 }));
  }
  const snapshot = proc.snapshot();
  assert.ok(snapshot.aggregates.open.length > 0, 'the snapshot has open windows');
  return { partition: 0, snapshot, outputsFrom: {}, deltas: 0, chainProblem: null };
}

test('a connection refused by a closed port is a transient "broker unavailable", with the root cause', async () => {
  const { error, port } = await connectionRefused();
  const failure = classifyFailure(error);
  assert.equal(failure.kind, 'transient');
  assert.equal(failure.category, 'broker-unavailable');
  assert.match(failure.description, new RegExp(`^broker unavailable \\(.*connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`));
});

test("Node's socket errors are the broker's absence too, however deep they sit", () => {
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  const failure = classifyFailure(new AggregateError([new Error('something else'), new Error('send failed', { cause: reset })], 'all failed'));
  assert.equal(failure.category, 'broker-unavailable');
  assert.match(failure.description, /^broker unavailable \(/);
});

test('retriable Kafka errors and group rejoins are transient, but not "broker unavailable"', () => {
  for (const id of ['COORDINATOR_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER', 'REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID']) {
    const failure = classifyFailure(new ResponseError(8, 9, { '/topics/0/partitions/0': [codeOf(id), null] }, {}));
    assert.equal(failure.kind, 'transient', id);
    assert.equal(failure.category, 'kafka-retriable', id);
    assert.doesNotMatch(failure.description, /broker unavailable/, id);
  }
});

test('a Kafka error marked final is permanent and says that retrying will not help', () => {
  const failure = classifyFailure(new ResponseError(19, 7, { '/topics/0': [codeOf('TOPIC_AUTHORIZATION_FAILED'), null] }, {}));
  assert.equal(failure.kind, 'permanent');
  assert.equal(failure.category, 'kafka-refused');
  assert.match(failure.description, /retrying will not help/);
});

test('a closed client is not the broker being away: it is a bug', async () => {
  const admin = new Admin({ clientId: 'failures-test', bootstrapBrokers: ['127.0.0.1:1'] });
  await admin.close();
  const error = await admin.listTopics().then(() => null, (e: unknown) => e);
  assert.ok(error instanceof NetworkError);
  const failure = classifyFailure(error);
  assert.equal(failure.kind, 'permanent');
  assert.equal(failure.category, 'bug');
});

test('a snapshot without open windows (all flushed) still refuses another window length', () => {
  const proc = new PartitionProcessor(0, windowed(1000));
  for (let i = 0; i < 5; i++) {
    proc.process(record(i, { transaction_id: `t${i}`, timestamp: new Date(T0 + i * 300).toISOString(), account_id: 'ACC1', transaction_type: 'deposit', amount: 12.5 }));
  }
  proc.flush();
  const snapshot = proc.snapshot();
  assert.equal(snapshot.aggregates.open.length, 0, 'the flush left no window open');
  assert.throws(() => new PartitionProcessor(0, windowed(2000)).restore(snapshot), SnapshotMismatchError);
  // The same length restores.
  new PartitionProcessor(0, windowed(1000)).restore(snapshot);
});

test('invalid settings are permanent, in one line that says what to fix', () => {
  let error: unknown;
  try {
    loadConfig({ overrides: ['windowMs=abc', 'rules.nope=1'] });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError);
  const failure = classifyFailure(error);
  assert.equal(failure.kind, 'permanent');
  assert.equal(failure.category, 'config');
  assert.doesNotMatch(failure.description, /\n/);
  assert.match(failure.description, /^invalid processor configuration: .*windowMs must be a number \(got "abc"\); .*unknown setting rules\.nope.*\. Fix the settings \(--config, --set\) and start again\.$/);
});

test('a snapshot of another window length cannot be restored: permanent, with the two ways out', () => {
  const stored = snapshotWith(1000);
  const proc = new PartitionProcessor(0, windowed(2000));
  assert.throws(() => proc.restore(stored.snapshot), SnapshotMismatchError);
  assert.throws(() => proc.restore(stored.snapshot), SnapshotError, 'still a SnapshotError');
  let error: unknown;
  try {
    proc.restore(stored.snapshot);
  } catch (e) {
    error = new Error(`cannot restore partition 0: ${(e as Error).message}`, { cause: e });
  }
  const failure = classifyFailure(error);
  assert.equal(failure.kind, 'permanent');
  assert.equal(failure.category, 'snapshot');
  assert.equal(failure.description, 'cannot restore partition 0: snapshot window length 1000 ms differs from configured 2000 ms. ' +
    'Run with the configuration that wrote the snapshot, or start over under another --group.');
});

test('a broken snapshot is permanent; it wins over a broker error in the same tree', async () => {
  const { error: refused } = await connectionRefused();
  const failure = classifyFailure(new AggregateError([refused as Error, new SnapshotError("snapshot is not gzip'd JSON")], 'restore failed'));
  assert.equal(failure.kind, 'permanent');
  assert.equal(failure.category, 'snapshot');
  assert.match(failure.description, /start over under another --group\.$/);
});

test('anything not understood is a bug: permanent, named, and pointing at the stack in the log', () => {
  let error: unknown;
  try {
    (null as unknown as { x: () => void }).x();
  } catch (e) {
    error = e;
  }
  const failure = classifyFailure(new AggregateError([error], 'batch failed'));
  assert.equal(failure.kind, 'permanent');
  assert.equal(failure.category, 'bug');
  assert.match(failure.description, /^unexpected error \(AggregateError: batch failed: Cannot read properties of null .*\); this is a bug, the stack is in the log\.$/);
  assert.equal(classifyFailure('a string').category, 'bug');
});

test('an unexpected end of the consumer stream is transient, described as what it is', () => {
  const failure = classifyFailure(new RestartableError('the consumer stream ended unexpectedly'));
  assert.deepEqual(failure, { kind: 'transient', category: 'restartable', description: 'the consumer stream ended unexpectedly' });
});

test('classification survives the thread boundary: codes and causes cross, and so does a classification made before', async () => {
  const mismatch = new Error('cannot restore partition 0: snapshot window length 1000 ms differs from configured 2000 ms', {
    cause: new SnapshotMismatchError('snapshot window length 1000 ms differs from configured 2000 ms'),
  });
  const crossed = errorFromWire(structuredClone(errorToWire(mismatch)));
  assert.equal(crossed.stack, mismatch.stack);
  assert.deepEqual(classifyFailure(crossed), classifyFailure(mismatch));

  const { error: refused } = await connectionRefused();
  // The client's classes do not cross: the side that knows them classifies before sending.
  const reply = errorFromWire(structuredClone(errorToWire(withClassification(refused))));
  const wrapped = new Error('send failed', { cause: reply });
  const back = errorFromWire(structuredClone(errorToWire(wrapped)));
  assert.equal(classifyFailure(back).category, 'broker-unavailable');
  assert.equal(classifyFailure(back).description, classifyFailure(refused).description);

  // A retriable Kafka answer is told only by the client's class: copied unclassified it would look
  // like a bug, classified before the crossing it stays retriable.
  const retriable = new ResponseError(8, 9, { '/topics/0/partitions/0': [codeOf('NOT_COORDINATOR'), null] }, {});
  assert.equal(classifyFailure(errorFromWire(structuredClone(errorToWire(retriable)))).category, 'bug');
  assert.equal(classifyFailure(errorFromWire(structuredClone(errorToWire(withClassification(retriable))))).category, 'kafka-retriable');
});

class SnapshotPorts {
  private readonly load: () => Promise<StoredSnapshot | null>;
  constructor(load: () => Promise<StoredSnapshot | null>) {
    this.load = load;
  }
  send(): Promise<void> {
    return Promise.resolve();
  }
  loadSnapshot(): Promise<StoredSnapshot | null> {
    return this.load();
  }
  emittedIds(): Promise<string[]> {
    return Promise.resolve([]);
  }
  outputEnds(partitions: readonly number[]): Promise<Map<number, OutputOffsets>> {
    return Promise.resolve(new Map(partitions.map((p) => [p, { alerts: 0n, notifications: 0n }])));
  }
  saveSnapshots(): Promise<void> {
    return Promise.resolve();
  }
  commit(): Promise<void> {
    return Promise.resolve();
  }
  seek(): void {}
}

// Runs one record through a RunnerThread whose loadSnapshot is `load` and returns how it failed.
async function threadFailure(config: ProcessorConfig, load: () => Promise<StoredSnapshot | null>): Promise<Error> {
  const silent = pino({ level: 'silent' });
  const options: ThreadRunnerOptions = { config, group: 'g', checkpointIntervalMs: 1_000_000, checkpointRecords: 1000, maxBatchRecords: 100, maxBatchBytes: 64 * 1024, maxInFlight: 4, idleShowMs: 1_000_000 };
  const thread = new RunnerThread({ runner: options, ports: new SnapshotPorts(load) as unknown as KafkaPorts, local: new LocalSinks({ logger: silent }), logger: silent });
  try {
    await thread.assignmentChanged([0], true);
    thread.push(record(0, { transaction_id: 'x', account_id: 'ACC1' }));
    thread.caughtUp();
    const deadline = Date.now() + 10_000;
    while (!thread.failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    try {
      thread.throwIfFailed();
    } catch (error) {
      return error as Error;
    }
    throw new Error('the runner thread did not fail');
  } finally {
    await thread.terminate();
  }
}

test('a restore failing on the processing thread reaches the Kafka thread as the permanent snapshot mismatch it is', { timeout: 30_000 }, async () => {
  const stored = snapshotWith(1000);
  const error = await threadFailure(windowed(2000), () => Promise.resolve(stored));
  const failure = classifyFailure(error);
  assert.equal(failure.kind, 'permanent');
  assert.equal(failure.category, 'snapshot');
  assert.match(failure.description, /^cannot restore partition 0 from its snapshot at offset 5: snapshot window length 1000 ms differs from configured 2000 ms\. Run with the configuration that wrote the snapshot, or start over under another --group\.$/);
});

test('a broker outage in a port call comes back from the processing thread as "broker unavailable"', { timeout: 30_000 }, async () => {
  const { error: refused } = await connectionRefused();
  const error = await threadFailure(DEFAULT_CONFIG, () => Promise.reject(refused as Error));
  const failure = classifyFailure(error);
  assert.equal(failure.kind, 'transient');
  assert.equal(failure.category, 'broker-unavailable');
});

function codeOf(id: string): number {
  return new ProtocolError(id).apiCode as number;
}

test('a membership taken over by another process with the same --instance-id is permanent: restarting would take it back', () => {
  const f = classifyFailure(new InstanceFencedError('g1', 'worker-1'));
  assert.equal(f.kind, 'permanent');
  assert.equal(f.category, 'config');
  assert.equal(f.description, 'another process joined group g1 with --instance-id worker-1 and took over its partitions; this one stops. Give each worker its own --instance-id.');
});
