import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { KAFKA_STORAGE_ERROR, LogError } from '../../../src/broker/log/log-error.ts';
import type { LogConfig } from '../../../src/broker/log/log-config.ts';
import { PartitionLog } from '../../../src/broker/log/partition-log.ts';
import { T0, batch, config, headersIn, offsetsIn, range } from './fixtures.ts';
import { MemoryFs } from './memory-fs.ts';

const DIR = '/data/bank_alerts-3';
const seg = (base: number, ext: string): string => `${DIR}/${String(base).padStart(20, '0')}.${ext}`;

function open(mfs: MemoryFs, overrides: Partial<LogConfig> = {}): PartitionLog {
  return PartitionLog.open(DIR, config(overrides), { fs: mfs, now: T0 });
}

function everything(log: PartitionLog): Buffer | null {
  return log.read(log.logStartOffset, 1 << 30).records;
}

test('a write torn at any byte loses only the torn batch; the log continues at the right offset', () => {
  const torn = batch(3, { tag: 'torn' });
  for (let landed = 0; landed < torn.length; landed++) {
    const mfs = new MemoryFs();
    const log = open(mfs, { indexIntervalBytes: 0 });
    log.append(batch(2));
    log.append(batch(4));
    const intact = everything(log);
    mfs.tearAfter(landed);
    assert.throws(() => log.append(Buffer.from(torn)), (e: unknown) => e instanceof LogError && e.code === KAFKA_STORAGE_ERROR && e.retriable);
    mfs.crash();

    const reopened = open(mfs, { indexIntervalBytes: 0 });
    assert.equal(reopened.logEndOffset, 6, `landed ${landed}`);
    assert.deepEqual(everything(reopened), intact);
    assert.equal(mfs.readFile(seg(0, 'log')).length, intact?.length);
    assert.equal(reopened.append(batch(1)).baseOffset, 6);
    assert.deepEqual(offsetsIn(everything(reopened)), range(0, 7));
  }
});

test('a crash while writing the index keeps the batch that fully landed in the log', () => {
  const mfs = new MemoryFs();
  const log = open(mfs, { indexIntervalBytes: 0 });
  log.append(batch(2));
  const next = batch(2);
  // The log write lands whole, the index entry that follows it only half.
  mfs.tearAfter(next.length + 4);
  assert.throws(() => log.append(next), LogError);
  mfs.crash();
  assert.equal(mfs.readFile(seg(0, 'index')).length, 4);

  const reopened = open(mfs, { indexIntervalBytes: 0 });
  assert.equal(reopened.logEndOffset, 4);
  assert.equal(mfs.readFile(seg(0, 'index')).length, 8, 'index rebuilt with its one entry');
  assert.deepEqual(headersIn(reopened.read(3, 1).records).map((h) => h.baseOffset), [2]);
});

test('a crash at any point of an append that rolls leaves a consistent log', () => {
  const one = batch(2);
  for (let landed = 0; landed < one.length + 40; landed += 3) {
    const mfs = new MemoryFs();
    const log = open(mfs, { segmentBytes: one.length * 2, indexIntervalBytes: 0 });
    for (let i = 0; i < 4; i++) log.append(batch(2));
    mfs.tearAfter(landed);
    let appended = true;
    try {
      log.append(batch(2));
    } catch {
      appended = false;
    }
    mfs.crash();
    const reopened = open(mfs, { segmentBytes: one.length * 2, indexIntervalBytes: 0 });
    assert.equal(reopened.logEndOffset, appended ? 10 : 8, `landed ${landed}`);
    const seen: number[] = [];
    for (let o = 0; o < reopened.logEndOffset; o += 2) seen.push(...offsetsIn(reopened.read(o, 1).records));
    assert.deepEqual(seen, range(0, reopened.logEndOffset), `landed ${landed}`);
    assert.equal(reopened.append(batch(2)).baseOffset, reopened.logEndOffset - 2);
  }
});

test('a corrupt batch in the middle of the active segment truncates the log there', () => {
  const mfs = new MemoryFs();
  const log = open(mfs);
  const sizes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const b = batch(2, { valueSize: 30 + i });
    sizes.push(b.length);
    log.append(b);
  }
  log.close();
  const file = mfs.readFile(seg(0, 'log'));
  const third = (sizes[0] as number) + (sizes[1] as number);
  file[third + 70] = (file[third + 70] as number) ^ 0x40;
  mfs.writeFile(seg(0, 'log'), file);

  const reopened = open(mfs);
  assert.equal(reopened.logEndOffset, 4);
  assert.equal(mfs.readFile(seg(0, 'log')).length, third);
  assert.deepEqual(offsetsIn(everything(reopened)), range(0, 4));
  assert.equal(reopened.append(batch(1)).baseOffset, 4);
});

test('a batch whose offset breaks the sequence is treated as corrupt too', () => {
  const mfs = new MemoryFs();
  const log = open(mfs);
  log.append(batch(2));
  log.close();
  // Stale bytes from another life of the file: a valid batch, but numbered 0 instead of 2.
  const file = mfs.readFile(seg(0, 'log'));
  mfs.writeFile(seg(0, 'log'), Buffer.concat([file, batch(1)]));
  const reopened = open(mfs);
  assert.equal(reopened.logEndOffset, 2);
  assert.equal(mfs.readFile(seg(0, 'log')).length, file.length);
});

test('missing or damaged index files of older segments are rebuilt; sane ones are reused', () => {
  const mfs = new MemoryFs();
  const cfg = { segmentBytes: 1200, indexIntervalBytes: 100 };
  const log = open(mfs, cfg);
  for (let i = 0; i < 60; i++) log.append(batch(1 + (i % 3), { timestamp: T0 + i * 10 }));
  assert.ok(log.segmentCount >= 6, `${log.segmentCount} segments`);
  const bases = log.segmentBaseOffsets;
  const firstBatches = range(0, log.logEndOffset).map((o) => headersIn(log.read(o, 1).records)[0]?.baseOffset);
  const stamps = range(0, 60).map((i) => log.offsetForTimestamp(T0 + i * 10 - 5));
  log.close();

  const [b0, b1, b2] = bases as [number, number, number];
  const originals = new Map([seg(b0, 'index'), seg(b1, 'timeindex'), seg(b2, 'index'), seg(b2, 'timeindex')].map((p) => [p, mfs.readFile(p)]));
  mfs.removeFile(seg(b0, 'index'));
  mfs.removeFile(seg(b0, 'timeindex'));
  mfs.writeFile(seg(b1, 'timeindex'), (originals.get(seg(b1, 'timeindex')) as Buffer).subarray(0, 7));
  // Entries out of order: a sane-looking size but impossible content.
  mfs.writeFile(seg(b2, 'index'), Buffer.from([0, 0, 0, 9, 0, 0, 1, 0, 0, 0, 0, 5, 0, 0, 0, 200]));

  mfs.writesByPath.clear();
  const reopened = open(mfs, cfg);
  const rewritten = [...mfs.writesByPath.keys()].sort();
  const last = bases[bases.length - 1] as number;
  // Damaged segments rewrite both index files; the active one is always rebuilt; the rest are reused.
  assert.deepEqual(rewritten, [b0, b1, b2, last].flatMap((b) => [seg(b, 'index'), seg(b, 'timeindex')]).sort());
  for (const p of [seg(b0, 'index'), seg(b1, 'timeindex'), seg(b2, 'index')]) {
    if (originals.has(p)) assert.deepEqual(mfs.readFile(p), originals.get(p), p);
  }
  assert.ok(mfs.readFile(seg(b0, 'index')).length > 0);
  assert.ok(mfs.readFile(seg(b0, 'timeindex')).length > 0);
  assert.deepEqual(mfs.readFile(seg(b2, 'timeindex')), originals.get(seg(b2, 'timeindex')));
  assert.deepEqual(range(0, reopened.logEndOffset).map((o) => headersIn(reopened.read(o, 1).records)[0]?.baseOffset), firstBatches);
  assert.deepEqual(range(0, 60).map((i) => reopened.offsetForTimestamp(T0 + i * 10 - 5)), stamps);
});

test('index files without a log are removed on open', () => {
  const mfs = new MemoryFs();
  open(mfs).close();
  mfs.writeFile(seg(500, 'index'), Buffer.alloc(8));
  mfs.writeFile(seg(500, 'timeindex'), Buffer.alloc(12));
  mfs.writeFile(`${DIR}/leader-epoch-checkpoint`, Buffer.from('0\n'));
  open(mfs).close();
  assert.deepEqual(mfs.fileNames(DIR), ['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex', 'leader-epoch-checkpoint']);
});

test('on the real file system: garbage and half a batch at the end of a segment are cut, every whole batch kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzline-log-'));
  try {
    const cfg = config({ segmentBytes: 4096 });
    const log = PartitionLog.open(dir, cfg);
    for (let i = 0; i < 40; i++) log.append(batch(3, { valueSize: 40 }));
    const bases = log.segmentBaseOffsets;
    const intact = range(0, log.logEndOffset);
    log.close();
    const active = path.join(dir, `${String(bases[bases.length - 1]).padStart(20, '0')}.log`);
    const size = fs.statSync(active).size;

    fs.appendFileSync(active, batch(3).subarray(0, 50));
    let reopened = PartitionLog.open(dir, cfg);
    assert.equal(reopened.logEndOffset, 120);
    assert.equal(fs.statSync(active).size, size);
    reopened.close();

    fs.appendFileSync(active, Buffer.from('this is not a record batch, just trailing garbage bytes'));
    reopened = PartitionLog.open(dir, cfg);
    assert.equal(fs.statSync(active).size, size);
    const seen: number[] = [];
    for (let o = 0; o < reopened.logEndOffset; o += 3) seen.push(...offsetsIn(reopened.read(o, 1).records));
    assert.deepEqual(seen, intact);
    assert.equal(reopened.append(batch(1)).baseOffset, 120);
    reopened.deleteAll();
    assert.equal(fs.existsSync(dir), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
