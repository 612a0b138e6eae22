// librdkafka (kcat) against the embedded broker: 100,000 keyed messages per compression codec across 3
// partitions come back byte-identical and in per-partition order.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startBroker, tempDir } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { run } from '../helpers/processes.ts';

const COUNT = 100_000;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

let tb: TestBroker;
let work: string;
before(async () => {
  tb = await startBroker({ defaultPartitions: 3 });
  work = tempDir('buzzline-kcat-');
});
after(async () => {
  await tb.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

// Values carry their index so order can be checked, and varied bytes so corruption would show.
function makeInput(codec: string): { lines: string[]; file: string } {
  const lines: string[] = [];
  let x = 12345;
  for (let i = 0; i < COUNT; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const pad = x.toString(36).repeat(1 + (x % 7));
    lines.push(`acct-${i % 997}\t${codec}-${i}-${pad}`);
  }
  const file = path.join(work, `${codec}.txt`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { lines, file };
}

for (const codec of CODECS) {
  test(`kcat ${codec}: ${COUNT} keyed messages round-trip, same bytes, per-partition order`, async () => {
    const topic = `kcat-${codec}`;
    const { lines, file } = makeInput(codec);
    const produced = await run('kcat', ['-b', tb.bootstrap, '-P', '-t', topic, '-K', '\t', '-z', codec, '-X', 'acks=all', '-l', file]);
    assert.equal(produced.code, 0, produced.stderr);
    const consumed = await run('kcat', ['-b', tb.bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p\t%o\t%k\t%s\n']);
    assert.equal(consumed.code, 0, consumed.stderr);
    const rows = consumed.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
    assert.equal(rows.length, COUNT);

    const partitions = new Set<string>();
    const lastIndex = new Map<string, number>();
    const lastOffset = new Map<string, number>();
    const keyPartition = new Map<string, string>();
    const seen = new Set<string>();
    for (const [p, o, k, v] of rows as [string, string, string, string][]) {
      partitions.add(p);
      const i = Number(v.split('-')[1]);
      assert.equal(`${k}\t${v}`, lines[i], `message ${i} differs`);
      assert.ok(!seen.has(v), `message ${i} twice`);
      seen.add(v);
      assert.ok(i > (lastIndex.get(p) ?? -1), `partition ${p} out of order at message ${i}`);
      assert.equal(Number(o), (lastOffset.get(p) ?? -1) + 1, `partition ${p} offsets not contiguous`);
      lastIndex.set(p, i);
      lastOffset.set(p, Number(o));
      assert.equal(keyPartition.get(k) ?? p, p, `key ${k} in two partitions`);
      keyPartition.set(k, p);
    }
    assert.equal(partitions.size, 3);
  });
}
