// Broker ingest and egress with kcat (librdkafka), the way a real client drives it: 1M messages of 200
// bytes produced with acks=1 into a 3-partition topic, then consumed back from the beginning. The broker
// runs as its own process, as in production.

import fs from 'node:fs';
import path from 'node:path';
import { run, spawnBroker } from '../test/helpers/processes.ts';
import type { Rate } from './baseline.ts';

export interface BrokerBench {
  produce: Rate;
  consume: Rate;
  brokerPeakRssMb: number;
}

export async function benchBroker(workDir: string, messages = 1_000_000, size = 200): Promise<BrokerBench> {
  const dataDir = path.join(workDir, 'broker-data');
  const input = path.join(workDir, 'messages.txt');
  const value = 'x'.repeat(size);
  fs.writeFileSync(input, `${value}\n`.repeat(messages));
  const broker = await spawnBroker(dataDir, ['--default-partitions', '3']);
  try {
    const t0 = process.hrtime.bigint();
    const produced = await run('kcat', ['-b', broker.bootstrap, '-P', '-t', 'bench', '-l', input,
      '-X', 'acks=1', '-X', 'linger.ms=5', '-X', 'batch.size=1000000', '-X', 'queue.buffering.max.kbytes=1048576'], { timeoutMs: 600_000 });
    const produceSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (produced.code !== 0) throw new Error(`kcat produce failed: ${produced.stderr}`);

    const t1 = process.hrtime.bigint();
    const consumed = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'bench', '-e', '-q', '-o', 'beginning', '-f', '%p\n',
      '-X', 'fetch.max.bytes=52428800', '-X', 'max.partition.fetch.bytes=10485760'], { timeoutMs: 600_000 });
    const consumeSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    if (consumed.code !== 0) throw new Error(`kcat consume failed: ${consumed.stderr}`);
    const got = consumed.stdout.length / 2;
    if (got !== messages) throw new Error(`consumed ${got} of ${messages}`);

    const status = fs.readFileSync(`/proc/${broker.child.pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    return {
      produce: { name: 'buzzline broker ingest (kcat -P, acks=1)', messages, bytes: messages * size, seconds: produceSeconds },
      consume: { name: 'buzzline broker egress (kcat -C)', messages, bytes: messages * size, seconds: consumeSeconds },
      brokerPeakRssMb: hwm ? Number(hwm[1]) / 1024 : Number.NaN,
    };
  } finally {
    broker.child.kill('SIGTERM');
    await broker.exited;
  }
}
