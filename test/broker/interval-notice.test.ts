import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { IntervalNotice } from '../../src/broker/interval-notice.ts';

test('logs the first occurrence at once, then at most one line per interval with the count it skipped', () => {
  const lines: { msg: string; suppressed: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string; suppressed: number });
      done();
    },
  });
  let now = 1_000;
  const notice = new IntervalNotice(pino({}, sink), 60_000, () => now);
  assert.equal(notice.warn({ topic: 'a' }, 'refused'), true);
  for (let i = 0; i < 500; i++) {
    now += 100;
    assert.equal(notice.warn({ topic: `t${i}` }, 'refused'), false);
  }
  now = 61_000;
  assert.equal(notice.warn({ topic: 'b' }, 'refused'), true);
  assert.deepEqual(lines.map((l) => [l.msg, l.suppressed]), [
    ['refused', 0],
    ['refused (and 500 more like it since the last notice)', 500],
  ]);
});
