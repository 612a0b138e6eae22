import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import type { TopicError} from '../../src/broker/topic-store.ts';
import { TopicStore } from '../../src/broker/topic-store.ts';
import { tempDir } from '../helpers/broker.ts';

test('topics, ids and configs survive a reopen; deleted topics and their directories are gone', () => {
  const dir = tempDir();
  try {
    const store = TopicStore.open(dir);
    const a = store.create('orders', 2, { 'retention.ms': '60000' });
    store.create('gone', 1);
    store.delete('gone');
    store.close();
    const again = TopicStore.open(dir);
    assert.equal(again.clusterId, store.clusterId);
    assert.deepEqual(again.list().map((t) => [t.name, t.id, t.partitions.length, t.configs]), [['orders', a.id, 2, { 'retention.ms': '60000' }]]);
    assert.equal(fs.existsSync(path.join(dir, 'gone-0')), false);
    again.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad names, partition counts and configs are refused with Kafka error codes', () => {
  const dir = tempDir();
  const store = TopicStore.open(dir);
  try {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return (err as TopicError).code;
      }
      return ErrorCode.NONE;
    };
    assert.equal(code(() => store.create('bad/name', 1)), ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(code(() => store.create('..', 1)), ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(code(() => store.create('x'.repeat(250), 1)), ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(code(() => store.create('t', 0)), ErrorCode.INVALID_PARTITIONS);
    assert.equal(code(() => store.create('t', 1, { 'cleanup.policy': 'compact' })), ErrorCode.INVALID_CONFIG);
    assert.equal(code(() => store.create('t', 1, { 'no.such.config': '1' })), ErrorCode.INVALID_CONFIG);
    assert.equal(code(() => store.create('t', 1, { 'retention.ms': 'soon' })), ErrorCode.INVALID_CONFIG);
    store.create('t', 1);
    assert.equal(code(() => store.create('t', 1)), ErrorCode.TOPIC_ALREADY_EXISTS);
    assert.equal(store.list().length, 1);
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a data directory that is a file is refused with a clear message', () => {
  const dir = tempDir();
  const file = path.join(dir, 'not-a-dir');
  fs.writeFileSync(file, '');
  try {
    assert.throws(() => TopicStore.open(file), /cannot use data directory .*not-a-dir: (EEXIST|ENOTDIR)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
