import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describeKafkaError } from '../../src/kafka-errors.ts';
import { runProducer } from '../../src/producer/producer.ts';
import { resolveProducerConfig } from '../../src/producer/config.ts';

test('describeKafkaError digs the root cause out of nested AggregateErrors', () => {
  const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' });
  const network = new Error('Connection to localhost:9092 failed.', { cause: root });
  const wrapped = new AggregateError([new AggregateError([network], 'Cannot connect to any broker.')], 'metadata failed 2 times.');
  assert.equal(describeKafkaError(wrapped), 'Cannot connect to any broker: Connection to localhost:9092 failed: connect ECONNREFUSED 127.0.0.1:9092');
  assert.equal(describeKafkaError('plain'), 'plain');
});

test('describeKafkaError does not repeat a cause its wrapper already quotes', () => {
  const cause = new Error('snapshot window length 1000 ms differs from configured 2000 ms');
  const wrapper = new Error(`cannot restore partition 0: ${cause.message}`, { cause });
  assert.equal(describeKafkaError(wrapper), 'cannot restore partition 0: snapshot window length 1000 ms differs from configured 2000 ms');
});

test('an unreachable broker is reported in one clear line per attempt and a stop ends the run cleanly', async () => {
  // Port 1 on loopback refuses connections immediately.
  const config = resolveProducerConfig({ brokers: '127.0.0.1:1', accounts: '100', speed: 'max', seed: 'offline', bankState: join(tmpdir(), `buzzline-offline-${process.pid}.json`) }, {});
  const lines: string[] = [];
  const controller = new AbortController();
  const started = performance.now();
  const run = runProducer(config, controller.signal, {
    logger: pino({ level: 'silent' }),
    report: (line) => {
      lines.push(line);
      controller.abort();
    },
  });
  const totals = await run;
  assert.ok(performance.now() - started < 5_000, 'stopping while disconnected must not wait for the flush timeout');
  assert.equal(totals.produced, 0);
  assert.equal(totals.unsent, 0);
  assert.equal(totals.stoppedBy, 'signal');
  assert.equal(totals.seed, 'offline');
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /^buzzline produce: cannot connect via 127\.0\.0\.1:1 \(.*ECONNREFUSED.*\); retrying in 0\.5s \[attempt 1\]$/);
  assert.ok(!(lines[0] ?? '').includes('    at '), 'no stack trace');
});
