// The typed channel between the Kafka thread and the processing thread, over a real MessageChannel:
// stubs and dispatch follow from one interface per direction, values cross by structured clone, transfer
// lists move buffers, errors keep what tells them apart, and a closed channel rejects its calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { errorFromWire, errorToWire, RpcPeer, type Protocol, type Traffic } from '../../src/processor/thread-rpc.ts';

interface Service {
  offsets(partitions: number[]): Promise<Map<number, bigint>>;
  take(batch: ArrayBuffer, tag: string): Promise<number>;
  fail(how: 'reject' | 'throw'): Promise<void>;
  note(text: string): void;
}

interface Client {
  told(text: string): void;
}

const SERVICE: Protocol<Service> = { offsets: 'call', take: 'call', fail: 'call', note: 'signal' };
const CLIENT: Protocol<Client> = { told: 'signal' };

class KafkaLikeError extends Error {
  readonly code = 'PLT_KFK_NETWORK';
  readonly retriable = true;
  readonly attempts = 3;
  readonly detail = { not: 'a primitive' };
  override name = 'NetworkError';
}

function pair() {
  const { port1, port2 } = new MessageChannel();
  const events: string[] = [];
  const service: Service = {
    offsets: async (partitions) => new Map(partitions.map((p) => [p, BigInt(p) * 10n ** 12n])),
    take: (batch, tag) => {
      events.push(`take ${tag}`);
      return Promise.resolve(batch.byteLength);
    },
    fail: (how) => {
      const err = new KafkaLikeError('connection lost', { cause: new Error('ECONNRESET') });
      if (how === 'throw') throw err;
      return Promise.reject(new AggregateError([err, new Error('second')], 'Producing failed 2 times.'));
    },
    note: (text) => {
      events.push(`note ${text}`);
      server.remote.told(text.toUpperCase());
    },
  };
  const client: Client = { told: (text) => events.push(`told ${text}`) };
  const server: RpcPeer<Service, Client> = new RpcPeer<Service, Client>({ local: service, remote: CLIENT, post: (m, t) => port2.postMessage(m, t) });
  const caller = new RpcPeer<Client, Service>({ local: client, remote: SERVICE, transfers: { take: (batch) => [batch] }, post: (m, t) => port1.postMessage(m, t) });
  port1.on('message', (m: Traffic<Client>) => caller.receive(m));
  port2.on('message', (m: Traffic<Service>) => server.receive(m));
  const close = () => {
    port1.close();
    port2.close();
  };
  return { caller, server, events, close };
}

test('calls answer with cloned values, signals arrive in order with calls, transfer lists move buffers', async () => {
  const { caller, events, close } = pair();
  try {
    const offsets = await caller.remote.offsets([1, 2]);
    assert.deepEqual(offsets, new Map([[1, 10n ** 12n], [2, 2n * 10n ** 12n]]));

    caller.remote.note('first');
    const batch = new ArrayBuffer(4096);
    const taken = caller.remote.take(batch, 'second');
    assert.equal(batch.byteLength, 0, 'the buffer was moved, not copied');
    assert.equal(await taken, 4096);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, ['note first', 'take second', 'told FIRST'], 'one channel, one order; a signal answers with a signal of its own');
  } finally {
    close();
  }
});

test('errors cross with name, message, stack, code, primitive properties, cause and nested errors', async () => {
  const { caller, close } = pair();
  try {
    const thrown = await caller.remote.fail('throw').then(
      () => assert.fail('resolved'),
      (err: unknown) => err,
    );
    assert.ok(thrown instanceof Error);
    const e = thrown as Error & Record<string, unknown>;
    assert.equal(e.name, 'NetworkError');
    assert.equal(e.message, 'connection lost');
    assert.equal(e.code, 'PLT_KFK_NETWORK');
    assert.equal(e.retriable, true);
    assert.equal(e.attempts, 3);
    assert.equal(e.detail, undefined, 'only strings, numbers and booleans cross as properties');
    assert.match(String(e.stack), /NetworkError: connection lost/);
    assert.match(String(e.stack), /thread-rpc\.test\.ts/, "the thrower's stack, not the receiver's");
    assert.equal((e.cause as Error).message, 'ECONNRESET');

    const rejected = (await caller.remote.fail('reject').catch((err: unknown) => err)) as Error & { errors?: Error[] };
    assert.equal(rejected.name, 'AggregateError');
    assert.equal(rejected.message, 'Producing failed 2 times.');
    assert.deepEqual(rejected.errors?.map((x) => x.message), ['connection lost', 'second']);
    assert.equal((rejected.errors?.[0] as Error & { code?: string }).code, 'PLT_KFK_NETWORK');
  } finally {
    close();
  }
});

test('a closed channel rejects the calls awaiting an answer and every later call; signals are dropped', async () => {
  const posted: unknown[] = [];
  const caller = new RpcPeer<Client, Service>({ local: { told: () => {} }, remote: SERVICE, post: (m) => posted.push(m) });
  const pending = caller.remote.offsets([0]);
  const reason = new Error('the processing thread exited (code 1)');
  caller.close(reason);
  await assert.rejects(pending, reason);
  await assert.rejects(caller.remote.offsets([1]), reason);
  caller.remote.note('late');
  assert.equal(posted.length, 1, 'only the first call went out');
});

test('a wire error is plain data and comes back as an Error', () => {
  const wire = errorToWire(Object.assign(new RangeError('bad offset'), { code: 'E_RANGE', partition: 4 }));
  assert.deepEqual({ ...wire, stack: undefined }, { name: 'RangeError', message: 'bad offset', code: 'E_RANGE', partition: 4, stack: undefined });
  assert.equal(JSON.parse(JSON.stringify(wire)).code, 'E_RANGE');
  const back = errorFromWire(wire) as Error & { code?: string; partition?: number };
  assert.ok(back instanceof Error);
  assert.equal(back.name, 'RangeError');
  assert.equal(back.partition, 4);
  assert.deepEqual(errorToWire('just a string'), { name: 'Error', message: 'just a string', stack: '' });
});

test('the protocol table and the stubs are checked against the interface', () => {
  // @ts-expect-error: a method returning a promise is a call, not a signal
  const wrongKind: Protocol<Service> = { offsets: 'signal', take: 'call', fail: 'call', note: 'signal' };
  // @ts-expect-error: every method of the interface is listed
  const missing: Protocol<Service> = { offsets: 'call', take: 'call', fail: 'call' };
  const caller = new RpcPeer<Client, Service>({ local: { told: () => {} }, remote: SERVICE, post: () => {} });
  // @ts-expect-error: arguments are the interface's
  void caller.remote.offsets(['0']);
  const message: Traffic<Service> = { type: 'signal', method: 'note', args: ['x'] };
  // @ts-expect-error: a call cannot be sent as a signal
  const callAsSignal: Traffic<Service> = { type: 'signal', method: 'offsets', args: [[0]] };
  assert.deepEqual(Object.keys(wrongKind).sort(), Object.keys(SERVICE).sort());
  assert.equal(Object.keys(missing).length, 3);
  assert.equal(message.method, 'note');
  assert.equal(callAsSignal.type, 'signal');
});
