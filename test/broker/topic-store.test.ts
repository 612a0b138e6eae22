import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { buildRecordBatch } from '../../src/protocol/record-batch.ts';
import { nodeFs } from '../../src/broker/log/log-fs.ts';
import type { LogFs } from '../../src/broker/log/log-fs.ts';
import { TopicError, TopicStore } from '../../src/broker/topic-store.ts';
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

// The topic-store's partition directories, sorted.
function partitionDirs(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => !n.startsWith('buzzline-')).sort();
}

function refusal(fn: () => unknown): TopicError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TopicError) return err;
    throw err;
  }
  assert.fail('expected a TopicError');
}

test('a create that fails part way is rolled back: no directories, no topic, and later creates work', () => {
  const dir = tempDir();
  // The file system fills up at the 8th partition of "big".
  const faulty: LogFs = {
    ...nodeFs,
    open(p) {
      if (p.includes(`${path.sep}big-7${path.sep}`)) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return nodeFs.open(p);
    },
  };
  const store = TopicStore.open(dir, { fs: faulty, maxOpenFiles: 9 });
  try {
    store.create('kept', 2);
    const err = refusal(() => store.create('big', 20));
    assert.equal(err.code, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.match(err.message, /cannot create topic big: ENOSPC/);
    assert.deepEqual(partitionDirs(dir), ['kept-0', 'kept-1'], 'every directory of the failed create is gone');
    assert.equal(store.get('big'), undefined);
    assert.equal(store.files.openFiles <= 9, true);
    store.create('after', 3);
    assert.deepEqual(store.list().map((t) => t.name), ['after', 'kept']);
  } finally {
    store.close();
  }
  const again = TopicStore.open(dir);
  assert.deepEqual(again.list().map((t) => t.name), ['after', 'kept'], 'the failed topic was never recorded');
  again.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a rollback removes only what the create made: a stray file in the way is left alone', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'orders-3'), 'not ours');
  const store = TopicStore.open(dir);
  try {
    const err = refusal(() => store.create('orders', 6));
    assert.equal(err.code, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.deepEqual(partitionDirs(dir), ['orders-3']);
    assert.equal(fs.readFileSync(path.join(dir, 'orders-3'), 'utf8'), 'not ours');
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a create the file system has no inodes for is refused before anything is made', () => {
  const dir = tempDir();
  const store = TopicStore.open(dir, { fs: { ...nodeFs, freeInodes: () => 1000 } });
  try {
    const err = refusal(() => store.create('wide', 500));
    assert.equal(err.code, ErrorCode.POLICY_VIOLATION);
    assert.match(err.message, /needs 2000 files and directories for 500 partitions; .* has 1000 left/);
    assert.deepEqual(partitionDirs(dir), []);
    store.create('narrow', 250);
    assert.equal(store.get('narrow')?.partitions.length, 250);
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('2,000 partitions with 30 descriptors: created, written, reopened', () => {
  const dir = tempDir();
  let opened = 0;
  let maxOpen = 0;
  const counting: LogFs = {
    ...nodeFs,
    open(p) {
      const fd = nodeFs.open(p);
      maxOpen = Math.max(maxOpen, ++opened);
      return fd;
    },
    close(fd) {
      nodeFs.close(fd);
      opened--;
    },
  };
  let store = TopicStore.open(dir, { fs: counting, maxOpenFiles: 30 });
  try {
    store.create('wide', 2_000);
    for (const i of [0, 1_000, 1_999]) store.partition('wide', i)?.log.append(buildRecordBatch({ records: [{ value: `to ${i}` }] }));
    store.close();
    store = TopicStore.open(dir, { fs: counting, maxOpenFiles: 30 });
    assert.deepEqual([0, 1, 1_000, 1_999].map((i) => store.partition('wide', i)?.log.logEndOffset), [1, 0, 1, 1]);
    assert.equal(maxOpen, 30, 'the pool filled up and stayed within its bound');
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(opened, 0);
});

test('an internal topic keeps its flag across a reopen and cannot be deleted', () => {
  const dir = tempDir();
  const store = TopicStore.open(dir);
  try {
    store.createInternal('__consumer_offsets', 2, {});
    assert.equal(refusal(() => store.delete('__consumer_offsets')).code, ErrorCode.INVALID_TOPIC_EXCEPTION);
    store.create('plain', 1);
  } finally {
    store.close();
  }
  const again = TopicStore.open(dir);
  assert.deepEqual(again.list().map((t) => [t.name, t.internal]), [['__consumer_offsets', true], ['plain', false]]);
  again.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('topic and partition bounds: creates past them are refused with POLICY_VIOLATION; internal topics do not count; a delete makes room', () => {
  const dir = tempDir();
  const store = TopicStore.open(dir, { maxTopics: 2, maxPartitions: 5 });
  try {
    store.createInternal('__consumer_offsets', 50, {});
    store.create('a', 2);
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        assert.ok(err instanceof TopicError);
        return [err.code, err.message];
      }
      return assert.fail('not refused');
    };
    assert.deepEqual(refusal(() => store.create('wide', 4)), [ErrorCode.POLICY_VIOLATION, 'cannot create topic wide with 4 partitions: the broker holds 2 of at most 5 (--max-partitions)']);
    assert.deepEqual(refusal(() => store.validateCreate('wide', 4, {})), [ErrorCode.POLICY_VIOLATION, 'cannot create topic wide with 4 partitions: the broker holds 2 of at most 5 (--max-partitions)']);
    store.create('b', 3);
    assert.deepEqual(refusal(() => store.create('c', 1)), [ErrorCode.POLICY_VIOLATION, 'cannot create topic c: the broker holds 2 topics, its limit (--max-topics 2)']);
    assert.equal(fs.existsSync(path.join(dir, 'c-0')), false);
    store.delete('a');
    store.create('c', 1);
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
