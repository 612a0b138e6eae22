import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilePool, segmentFileBudget } from '../../../src/broker/log/file-pool.ts';
import { PartitionLog } from '../../../src/broker/log/partition-log.ts';
import { buildRecordBatch, decodeRecords } from '../../../src/protocol/record-batch.ts';
import { config } from './fixtures.ts';
import { MemoryFs } from './memory-fs.ts';

function pool(capacity: number): { fs: MemoryFs; files: FilePool } {
  const fs = new MemoryFs();
  fs.mkdirp('/d');
  return { fs, files: new FilePool(fs, capacity) };
}

test('opens on demand, never holds more than its capacity, closes the least recently used first', () => {
  const { fs, files } = pool(3);
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => files.file(`/d/${n}`)) as [ReturnType<FilePool['file']>, ReturnType<FilePool['file']>, ReturnType<FilePool['file']>, ReturnType<FilePool['file']>];
  assert.equal(fs.openFds, 0, 'a handle opens nothing');
  a.fd();
  b.fd();
  c.fd();
  a.fd(); // a is now the most recent, b the least
  d.fd();
  assert.equal(fs.openFds, 3);
  assert.equal(files.openFiles, 3);
  assert.deepEqual([a.isOpen, b.isOpen, c.isOpen, d.isOpen], [true, false, true, true]);
  b.fd();
  assert.deepEqual([a.isOpen, b.isOpen, c.isOpen, d.isOpen], [true, true, false, true], 'c was the least recently used');
  d.close();
  assert.equal(fs.openFds, 2);
  d.close();
  assert.equal(files.openFiles, 2, 'closing twice is harmless');
});

test('a file closed by the pool reopens with its contents', () => {
  const { fs, files } = pool(3);
  const handles = ['x', 'y', 'z', 'w'].map((n) => files.file(`/d/${n}`));
  for (const [i, h] of handles.entries()) fs.write(h.fd(), Buffer.from(`file ${i}`), 0, 6, 0);
  assert.equal(handles[0]?.isOpen, false);
  const buf = Buffer.alloc(6);
  fs.read(handles[0]?.fd() ?? -1, buf, 0, 6, 0);
  assert.equal(buf.toString(), 'file 0');
});

test('when the process runs out of descriptors first, the pool gives back its own and retries', () => {
  const { fs, files } = pool(100);
  // The process limit is 4 descriptors, far below the pool's capacity.
  const open = fs.open.bind(fs);
  fs.open = (p: string) => {
    if (fs.openFds >= 4) throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    return open(p);
  };
  const handles = Array.from({ length: 10 }, (_, i) => files.file(`/d/f${i}`));
  for (const h of handles) h.fd();
  assert.equal(fs.openFds, 4);
  assert.deepEqual(handles.map((h) => h.isOpen), [false, false, false, false, false, false, true, true, true, true]);
  fs.open = () => {
    throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
  };
  assert.throws(() => handles[0]?.fd(), /EACCES/, 'other errors are not retried');
  assert.equal(fs.openFds, 4, 'and nothing was closed for them');
});

test('capacity comes from the open-file limit, minus a reserve for sockets and the rest', () => {
  assert.equal(segmentFileBudget(1024), 768);
  assert.equal(segmentFileBudget(100), 36);
  assert.equal(segmentFileBudget(10), 3, 'never less than one segment');
  assert.throws(() => new FilePool(new MemoryFs(), 2), RangeError);
});

test('many partition logs share a small pool: appends, reads, flush and reopen all work', () => {
  const fs = new MemoryFs();
  const files = new FilePool(fs, 6);
  const logs = Array.from({ length: 8 }, (_, i) => PartitionLog.open(`/data/t-${i}`, config({ segmentBytes: 300 }), { files }));
  for (let round = 0; round < 5; round++) {
    for (const [i, log] of logs.entries()) {
      log.append(buildRecordBatch({ records: [{ key: `p${i}`, value: `round ${round}`, timestamp: 1_000 + round }] }));
      assert.ok(fs.openFds <= 6, `at most 6 descriptors, saw ${fs.openFds}`);
    }
  }
  assert.ok((logs[0]?.segmentCount ?? 0) > 1, 'the logs rolled, so older segments are read too');
  for (const [i, log] of logs.entries()) {
    const values: string[] = [];
    let offset = 0;
    while (offset < log.logEndOffset) {
      const r = log.read(offset, 1 << 20);
      for (const rec of decodeRecords(r.records ?? Buffer.alloc(0))) {
        values.push(`${rec.key?.toString()} ${rec.value?.toString()}`);
        offset = rec.offset + 1;
      }
    }
    assert.deepEqual(values, [0, 1, 2, 3, 4].map((n) => `p${i} round ${n}`));
    assert.equal(log.offsetForTimestamp(1_003)?.offset, 3);
  }
  const fsyncs = fs.fsyncs;
  for (const log of logs) log.flush();
  assert.ok(fs.fsyncs - fsyncs >= 8 * 3, 'files closed by the pool are reopened to be fsynced');
  for (const log of logs) log.close();
  assert.equal(fs.openFds, 0);
  const reopened = PartitionLog.open('/data/t-3', config({ segmentBytes: 300 }), { files });
  assert.equal(reopened.logEndOffset, 5);
  reopened.close();
});
