import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from '../../src/broker/buffer-pool.ts';

test('a buffer given back is handed out again for a size of its class, and not before', () => {
  const pool = new BufferPool();
  const a = pool.take(200_000);
  assert.equal(a.length, 200_000);
  const b = pool.take(200_000);
  assert.notEqual(a.buffer, b.buffer, 'a buffer still taken is never handed out twice');
  pool.give(a);
  const c = pool.take(150_000); // same size class (256 KiB)
  assert.equal(c.buffer, a.buffer);
  assert.equal(c.length, 150_000);
  assert.notEqual(pool.take(200_000).buffer, a.buffer);
});

test('sizes of another class get their own memory', () => {
  const pool = new BufferPool();
  const a = pool.take(100_000); // 128 KiB class
  pool.give(a);
  assert.notEqual(pool.take(300_000).buffer, a.buffer);
  assert.equal(pool.take(70_000).buffer, a.buffer);
});

test('small and huge buffers, and buffers from elsewhere, are not pooled', () => {
  const pool = new BufferPool();
  const small = pool.take(1000);
  const huge = pool.take(20 * 1024 * 1024);
  pool.give(small);
  pool.give(huge);
  pool.give(Buffer.allocUnsafeSlow(256 * 1024));
  assert.equal(pool.pooledFreeBytes, 0);
});

test('giving a buffer back twice keeps one copy; the free memory is bounded', () => {
  const pool = new BufferPool();
  const a = pool.take(1024 * 1024);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.pooledFreeBytes, 1024 * 1024);
  assert.equal(pool.take(1024 * 1024).buffer, a.buffer);
  assert.notEqual(pool.take(1024 * 1024).buffer, a.buffer, 'the second give did not add it twice');

  const many = Array.from({ length: 10 }, () => pool.take(8 * 1024 * 1024));
  for (const m of many) pool.give(m);
  assert.equal(pool.pooledFreeBytes, 32 * 1024 * 1024, 'at most 32 MiB wait for reuse');
});
