// `buzzline start` (= `npm start`): everything on one machine with one command. Each part runs as its
// own process, as it would in production (and so the parts use both cores): the embedded broker (unless
// --brokers / KAFKA_BROKERS names a real cluster), the stream processor with the dashboard, and the
// simulator at a demo rate. Ctrl+C stops them in reverse order (producer, processor, broker) so every
// produced message is flushed and every processed offset committed; data and logs stay in ./data and
// ./logs. If one part dies, the others are stopped and the exit code says so.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { brokerList, integer, port } from './options.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/buzzline.js');
const STOP_GRACE_MS = 15_000;

interface StartFlags {
  brokers?: string[];
  host: string;
  port: number;
  dataDir: string;
  dashboardPort: number;
  rate: string;
  seed?: string;
  fraudRate?: string;
  partitions: number;
  logLevel: string;
}

interface Part {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export function startCommand(): Command {
  return new Command('start')
    .description('run broker, simulator, processor and dashboard together (Ctrl+C stops all)')
    .option('--brokers <list>', 'use this Kafka cluster instead of the embedded broker (env KAFKA_BROKERS)', brokerList)
    .option('--host <host>', 'address the embedded broker and the dashboard bind', '127.0.0.1')
    .option('--port <port>', 'embedded broker port (0 = any free port)', port, 9092)
    .option('--data-dir <dir>', 'embedded broker data directory', './data')
    .option('--dashboard-port <port>', 'dashboard port (0 = any free port)', port, 8080)
    .option('--partitions <n>', 'partitions of the topics the embedded broker creates', integer(1, 1000), 3)
    .option('--rate <n>', 'simulated transactions per second (0 = as fast as possible)', '20')
    .option('--seed <seed>', 'simulation seed (default: random, printed)')
    .option('--fraud-rate <share>', 'share of fraudulent events')
    .option('--log-level <level>', 'log level for every part', process.env.LOG_LEVEL ?? 'info')
    .action(async (flags: StartFlags) => {
      process.exitCode = await start(flags);
    });
}

async function start(flags: StartFlags): Promise<number> {
  const parts: Part[] = [];
  let stopping = false;
  let failed = false;
  const stopAll = async () => {
    stopping = true;
    // Reverse start order: the producer flushes, the processor commits, then the broker closes its logs.
    for (const p of [...parts].reverse()) await stopPart(p);
  };
  const onSignal = () => {
    if (stopping) return;
    console.log('\nstopping: producer, processor, broker…');
    void stopAll().then(() => process.exit(failed ? 1 : 0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const watch = (p: Part) => {
    void p.exited.then((code) => {
      if (stopping) return;
      failed = true;
      console.error(`buzzline start: ${p.name} exited unexpectedly (code ${code}); stopping the rest`);
      void stopAll().then(() => process.exit(1));
    });
  };

  try {
    fs.mkdirSync('logs', { recursive: true });
    const external = flags.brokers ?? (process.env.KAFKA_BROKERS ? brokerList(process.env.KAFKA_BROKERS) : undefined);
    let brokers: string;
    if (external) {
      brokers = external.join(',');
      console.log(`using Kafka at ${brokers}`);
    } else {
      const broker = await spawnPart('broker', ['broker', '--host', flags.host, '--port', String(flags.port), '--data-dir', flags.dataDir,
        '--default-partitions', String(flags.partitions), '--log-level', 'info'], 'logs/broker.log', /"msg":"broker listening".*?"port":(\d+)|"port":(\d+).*?"msg":"broker listening"/);
      parts.push(broker.part);
      watch(broker.part);
      brokers = `${flags.host}:${broker.match[1] ?? broker.match[2]}`;
      console.log(`embedded broker on ${brokers} (data in ${flags.dataDir})`);
    }
    const dashboardPort = flags.dashboardPort === 0 ? await freePort(flags.host) : flags.dashboardPort;
    const consumer = await spawnPart('processor', ['consume', '--brokers', brokers, '--dashboard-port', String(dashboardPort), '--host', flags.host,
      '--log-level', flags.logLevel], null, null);
    parts.push(consumer.part);
    watch(consumer.part);
    const url = `http://${flags.host}:${dashboardPort}/`;
    await waitForHttp(`${url}api/summary`, consumer.part);

    const produceArgs = ['produce', '--brokers', brokers, '--rate', flags.rate, '--log-level', flags.logLevel];
    if (flags.seed !== undefined) produceArgs.push('--seed', flags.seed);
    if (flags.fraudRate !== undefined) produceArgs.push('--fraud-rate', flags.fraudRate);
    const producer = await spawnPart('producer', produceArgs, null, null);
    parts.push(producer.part);
    watch(producer.part);
    console.log(`\ndashboard: ${url}\nlogs: ./logs   Ctrl+C stops everything\n`);
    return await new Promise<number>(() => {});
  } catch (err) {
    console.error(`buzzline start: ${(err as Error).message}`);
    stopping = true;
    await stopAll();
    return 1;
  }
}

// Starts `buzzline <args>`. With a readiness pattern, resolves once stdout matches it; stdout goes to
// logFile (if given) or is inherited.
function spawnPart(name: string, args: string[], logFile: string | null, ready: RegExp | null): Promise<{ part: Part; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', ready ? 'pipe' : 'inherit', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const part = { name, child, exited };
  if (!ready) return Promise.resolve({ part, match: /(?:)/.exec('') as RegExpExecArray });
  const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  return new Promise((resolve, reject) => {
    let seen = '';
    let done = false;
    child.stdout?.on('data', (b: Buffer) => {
      log?.write(b);
      if (done) return;
      seen += b.toString();
      const m = ready.exec(seen);
      if (m) {
        done = true;
        resolve({ part, match: m });
      }
    });
    void exited.then((code) => {
      if (!done) reject(new Error(`${name} exited with code ${code} before it was ready${seen ? `: ${lastLine(seen)}` : ''}`));
    });
  });
}

async function stopPart(p: Part): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGINT');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), STOP_GRACE_MS);
  await p.exited;
  clearTimeout(timer);
}

async function waitForHttp(url: string, part: Part, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (part.child.exitCode !== null) throw new Error(`${part.name} exited with code ${part.child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${part.name} did not answer at ${url} within ${timeoutMs / 1000} s`);
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port: p } = s.address() as net.AddressInfo;
      s.close(() => resolve(p));
    });
  });
}

function lastLine(s: string): string {
  return s.trim().split('\n').at(-1) ?? '';
}
