// `buzzline start` (= `npm start`): everything on one machine with one command. Each part runs as its
// own process, as it would in production (and so the parts use both cores): the embedded broker (unless
// --brokers / KAFKA_BROKERS names a real cluster), the stream processor with the dashboard, and the
// simulator at a demo rate. Every flag is checked (and the ports and --brokers tried) before anything
// starts. Ctrl+C stops them in reverse order (producer, processor, broker) so every produced message is
// flushed and every processed offset committed; data and logs stay in ./data and ./logs. If one part
// dies, the others are stopped and the exit code says so.
//
// The parts run in their own process groups: the terminal's Ctrl+C reaches only `start`, which then
// stops each part once, in order (a part that got the terminal's SIGINT as well would take `start`'s
// as a second Ctrl+C and exit at once, uncommitted). Their output comes through `start`: their status
// texts (over IPC) become one combined status line, their lines are printed above it.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { Command } from 'commander';
import { parseBrokerList } from '../kafka-brokers.ts';
import { ConfigError, mergedEnv, readDotEnv, resolveProducerConfig } from '../producer/config.ts';
import { checkBrokersReachable } from './brokers-reachable.ts';
import { brokerList, integer, listenFailure, port } from './options.ts';
import { statusLine, SUPERVISED_ENV, type StatusMessage } from './status-line.ts';

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
    .option('--fraud-rate <rate>', 'fraud incidents per 1,000 customers per year, or "demo" (npm start uses demo)')
    .option('--log-level <level>', 'log level for every part', process.env.LOG_LEVEL ?? 'info')
    .action(async (flags: StartFlags, command: Command) => {
      try {
        // The producer's own rules, so `start --rate abc` fails as `produce --rate abc` would, before
        // anything runs. Its broker address is only known later and is not what is checked here.
        resolveProducerConfig({ brokers: 'localhost:9092', rate: flags.rate, seed: flags.seed, fraudRate: flags.fraudRate, logLevel: flags.logLevel }, mergedEnv(readDotEnv()));
      } catch (error) {
        if (error instanceof ConfigError) command.error(`error: ${error.message}`, { exitCode: 2, code: error.code });
        throw error;
      }
      let external = flags.brokers;
      if (external === undefined && process.env.KAFKA_BROKERS) {
        try {
          external = parseBrokerList(process.env.KAFKA_BROKERS);
        } catch (error) {
          command.error(`error: KAFKA_BROKERS: ${(error as Error).message}`, { exitCode: 2 });
        }
      }
      process.exitCode = await start(flags, external);
    });
}

// external: the Kafka cluster to use instead of the embedded broker, if any.
async function start(flags: StartFlags, external: string[] | undefined): Promise<number> {
  try {
    if (external) await checkBrokersReachable(external);
    else if (flags.port !== 0) await checkPortFree(flags.host, flags.port, '--port');
    if (flags.dashboardPort !== 0) await checkPortFree(flags.host, flags.dashboardPort, '--dashboard-port');
  } catch (err) {
    console.error(`buzzline start: ${(err as Error).message}${external ? ' (check --brokers / KAFKA_BROKERS)' : ''}`);
    return 1;
  }

  const parts: Part[] = [];
  const status = new CombinedStatus();
  let stopping = false;
  let failed = false;
  const stopAll = async () => {
    stopping = true;
    // Reverse start order: the producer flushes, the processor commits, then the broker closes its logs.
    for (const p of [...parts].reverse()) await stopPart(p);
    status.end();
  };
  const onSignal = () => {
    if (stopping) return;
    status.line('stopping: producer, processor, broker…', 'stderr');
    void stopAll().then(() => process.exit(failed ? 1 : 0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const watch = (p: Part) => {
    void p.exited.then((code) => {
      if (stopping) return;
      failed = true;
      status.line(`buzzline start: ${p.name} exited unexpectedly (code ${code}); stopping the rest`, 'stderr');
      void stopAll().then(() => process.exit(1));
    });
  };

  try {
    fs.mkdirSync('logs', { recursive: true });
    let brokers: string;
    if (external) {
      brokers = external.join(',');
      status.line(`using Kafka at ${brokers}`);
    } else {
      const broker = await spawnPart('broker', ['broker', '--host', flags.host, '--port', String(flags.port), '--data-dir', flags.dataDir,
        '--default-partitions', String(flags.partitions), '--log-level', 'info'], status, { logFile: 'logs/broker.log', ready: /"msg":"broker listening".*?"port":(\d+)|"port":(\d+).*?"msg":"broker listening"/ });
      parts.push(broker.part);
      watch(broker.part);
      brokers = `${flags.host}:${broker.match[1] ?? broker.match[2]}`;
      status.line(`embedded broker on ${brokers} (data in ${flags.dataDir})`);
    }
    const dashboardPort = flags.dashboardPort === 0 ? await freePort(flags.host) : flags.dashboardPort;
    const consumer = await spawnPart('processor', ['consume', '--brokers', brokers, '--dashboard-port', String(dashboardPort), '--host', flags.host,
      '--log-level', flags.logLevel], status, null);
    parts.push(consumer.part);
    watch(consumer.part);
    const url = `http://${flags.host}:${dashboardPort}/`;
    await waitForHttp(`${url}api/summary`, consumer.part);

    const produceArgs = ['produce', '--brokers', brokers, '--rate', flags.rate, '--log-level', flags.logLevel];
    if (flags.seed !== undefined) produceArgs.push('--seed', flags.seed);
    if (flags.fraudRate !== undefined) produceArgs.push('--fraud-rate', flags.fraudRate);
    const producer = await spawnPart('producer', produceArgs, status, null);
    parts.push(producer.part);
    watch(producer.part);
    status.line(`\ndashboard: ${url}\nlogs: ./logs   Ctrl+C stops everything\n`);
    return await new Promise<number>(() => {});
  } catch (err) {
    if (stopping) return await new Promise<number>(() => {}); // a part died; watch() is stopping the rest and exits
    status.line(`buzzline start: ${(err as Error).message}`, 'stderr');
    stopping = true;
    await stopAll();
    return 1;
  }
}

// The parts' status texts, in start order, as one line: "producer … · processor …".
class CombinedStatus {
  private readonly texts = new Map<string, string>();
  private readonly out = statusLine();

  set(name: string, text: string | null): void {
    if (text === null) this.texts.delete(name);
    else this.texts.set(name, text);
    const order = ['producer', 'processor', 'broker'];
    this.out.update([...this.texts].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([n, t]) => `${n} ${t}`).join('  ·  '));
  }

  line(text: string, to: 'stdout' | 'stderr' = 'stdout'): void {
    this.out.line(text, to);
  }

  end(): void {
    this.out.end();
  }
}

async function checkPortFree(host: string, portNumber: number, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err) => reject(new Error(listenFailure(err, host, portNumber, flag))));
    s.listen(portNumber, host, () => s.close(() => resolve()));
  });
}

// Starts `buzzline <args>` in its own process group with an IPC channel (status texts come over it, and
// its closing tells the part that `start` is gone). Its stdout and stderr lines are printed through the
// status line; with `ready`, stdout goes to a log file instead and the promise resolves once it matches.
function spawnPart(name: string, args: string[], status: CombinedStatus, ready: { logFile: string; ready: RegExp } | null): Promise<{ part: Part; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
    env: { ...process.env, [SUPERVISED_ENV]: '1' },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => status.set(name, null));
  const part = { name, child, exited };
  child.on('message', (m: StatusMessage) => {
    if (typeof m?.status === 'string') status.set(name, m.status);
  });
  readline.createInterface({ input: child.stderr as NodeJS.ReadableStream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => status.line(line, 'stderr'));
  if (!ready) {
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => status.line(line));
    return Promise.resolve({ part, match: /(?:)/.exec('') as RegExpExecArray });
  }
  const log = fs.createWriteStream(ready.logFile, { flags: 'a' });
  return new Promise((resolve, reject) => {
    let seen = '';
    let done = false;
    child.stdout?.on('data', (b: Buffer) => {
      log.write(b);
      if (done) return;
      seen += b.toString();
      const m = ready.ready.exec(seen);
      if (m) {
        done = true;
        seen = '';
        resolve({ part, match: m });
      }
    });
    // The part's own stderr line says why (port in use, ...); its JSON log is in the log file.
    void exited.then((code) => {
      if (!done) reject(new Error(`${name} exited with code ${code} before it was ready (log: ${ready.logFile})`));
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
