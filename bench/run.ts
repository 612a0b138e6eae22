// `npm run bench`: every benchmark in one run, beside baselines measured in the same run, printed as a
// Markdown report (also written to docs/benchmarks.md with --write).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loopbackRate, mbPerSec, msgsPerSec, redisXaddRate } from './baseline.ts';
import type { Rate } from './baseline.ts';
import { benchBroker } from './broker.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const SIZE = 200;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzline-bench-'));
const lines: string[] = [];
const out = (s = '') => {
  lines.push(s);
  console.log(s);
};

try {
  out('# buzzline benchmarks');
  out();
  out(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`);
  out();
  const loopback = await loopbackRate(MESSAGES * SIZE, SIZE);
  const redis = await redisXaddRate(MESSAGES, SIZE);
  const broker = await benchBroker(work, MESSAGES, SIZE);
  const baseline = redis ?? loopback;

  out(`## Broker: ${MESSAGES.toLocaleString('en-US')} messages of ${SIZE} bytes`);
  out();
  out(`| what | msgs/s | MB/s | × ${redis ? 'Redis XADD' : 'loopback'} |`);
  out('|---|---:|---:|---:|');
  const row = (r: Rate) => out(`| ${r.name} | ${Math.round(msgsPerSec(r)).toLocaleString('en-US')} | ${mbPerSec(r).toFixed(1)} | ${(msgsPerSec(r) / msgsPerSec(baseline)).toFixed(2)} |`);
  for (const r of [broker.produce, broker.consume, ...(redis ? [redis] : []), loopback]) row(r);
  out();
  out(`Broker peak RSS: ${broker.brokerPeakRssMb.toFixed(0)} MB. Ingest target: ≥ 400,000 msgs/s.`);
  if (process.argv.includes('--write')) {
    fs.mkdirSync('docs', { recursive: true });
    fs.writeFileSync('docs/benchmarks.md', lines.join('\n') + '\n');
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
