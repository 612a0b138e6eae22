// Baselines measured in the same run as the benchmarks, so figures read as ratios on this machine:
// - raw loopback: one Node process pushing bytes through a 127.0.0.1 TCP socket to another, no protocol;
// - Redis Streams: redis-benchmark's pipelined XADD of the same message size into redis-server (Debian),
//   the closest well-known single-node log append over loopback. Skipped when redis is not installed.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { run, track } from '../test/helpers/processes.ts';
import { freePort } from './processes.ts';

export interface Rate {
  name: string;
  messages: number;
  bytes: number;
  seconds: number;
}

export function msgsPerSec(r: Rate): number {
  return r.messages / r.seconds;
}

export function mbPerSec(r: Rate): number {
  return r.bytes / r.seconds / 1e6;
}

export async function loopbackRate(totalBytes: number, messageSize: number): Promise<Rate> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const received = new Promise<number>((resolve) => {
    server.once('connection', (s) => {
      let n = 0;
      const start = process.hrtime.bigint();
      s.on('data', (b: Buffer) => {
        n += b.length;
        if (n >= totalBytes) resolve(Number(process.hrtime.bigint() - start) / 1e9);
      });
    });
  });
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const chunk = Buffer.alloc(64 * 1024, 7);
  let sent = 0;
  while (sent < totalBytes) {
    if (!client.write(chunk)) await new Promise((r) => client.once('drain', r));
    sent += chunk.length;
  }
  const seconds = await received;
  client.destroy();
  server.close();
  return { name: 'raw loopback TCP (Node → Node)', messages: totalBytes / messageSize, bytes: totalBytes, seconds };
}

export async function redisXaddRate(messages: number, messageSize: number): Promise<Rate | null> {
  if (!fs.existsSync('/usr/bin/redis-server') || !fs.existsSync('/usr/bin/redis-benchmark')) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzline-redis-'));
  const port = await freePort();
  const server = track(spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }));
  try {
    for (let i = 0; i < 50; i++) {
      const ping = await run('/usr/bin/redis-cli', ['-p', String(port), 'ping'], { timeoutMs: 2000 }).catch(() => null);
      if (ping?.stdout.includes('PONG')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const value = 'v'.repeat(messageSize);
    const res = await run('/usr/bin/redis-benchmark', ['-p', String(port), '-n', String(messages), '-P', '100', '-c', '4', '-q', 'XADD', 'bench', '*', 'f', value], { timeoutMs: 300_000 });
    const m = /([\d.]+) requests per second/.exec(res.stdout.replaceAll('\r', '\n'));
    if (!m) throw new Error(`unexpected redis-benchmark output: ${res.stdout.slice(-300)}`);
    const rate = Number(m[1]);
    return { name: 'Redis Streams XADD (redis-benchmark, pipelined 100, 4 conns)', messages, bytes: messages * messageSize, seconds: messages / rate };
  } finally {
    const exited = new Promise((resolve) => (server.exitCode !== null || server.signalCode !== null ? resolve(null) : server.once('exit', resolve)));
    server.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
