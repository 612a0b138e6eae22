// `buzzline start` (= `npm start`): everything on one machine with one command. Each part runs as its
// own process, as it would in production (and so the parts use both cores): the embedded broker (unless
// --brokers / KAFKA_BROKERS names a real cluster), the stream processor with the dashboard, and the
// simulator in real time with a demo level of fraud. Every flag is checked (and the ports and --brokers tried) before anything
// starts. Ctrl+C stops them in reverse order (producer, processor, broker) so every produced message is
// flushed and every processed offset committed; data and logs stay in ./data and ./logs. If one part
// dies, or a pipe fails (a part's output, start's own: EPIPE when its reader went away), the others are
// stopped the same way and the exit code is 1. If start itself dies, even by kill -9, each part sees its
// IPC channel close and stops on its own within seconds (options.ts, onShutdown), freeing its ports.
//
// Security: --security-protocol and the --sasl-* / --ssl-ca client settings reach the producer and the
// processor through their environment (KAFKA_SECURITY_PROTOCOL, ..., so no password is in a command
// line); the embedded broker gets the same protocol with --tls-cert, --tls-key, --sasl-mechanisms and
// --sasl-users.
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
import { BROKER_NODE_FLAGS } from '../broker/node-flags.ts';
import { PROCESSOR_NODE_FLAGS } from '../processor/node-flags.ts';
import { parseBrokerList } from '../kafka-brokers.ts';
import { resolveToken, TOKEN_ENV, urlWithToken } from '../dashboard/access.ts';
import type { ClientSecurity, SaslMechanism, SecurityFlags } from '../kafka-security.ts';
import { LogSink } from '../logging.ts';
import { readBankState } from '../producer/bank-state.ts';
import type { BankState } from '../producer/bank-state.ts';
import { ConfigError, DEFAULTS, ENV_VARS, mergedEnv, readDotEnv, resolveProducerConfig } from '../producer/config.ts';
import type { ProduceFlags } from '../producer/config.ts';
import { checkBrokersReachable } from './brokers-reachable.ts';
import { addSecurityOptions, brokerList, clientSecurity, hostName, integer, listenFailure, port, saslMechanismList } from './options.ts';
import { statusLine, SUPERVISED_ENV, type StatusMessage } from './status-line.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/buzzline.js');
const STOP_GRACE_MS = 15_000;
// The producer's own default (DEFAULTS.fraudRate) is a realistic share; a demo needs incidents to watch.
const DEMO_FRAUD_RATE = 'demo';

interface StartFlags extends SecurityFlags {
  brokers?: string[];
  host: string;
  port: number;
  dataDir: string;
  dashboardPort: number;
  rate?: string;
  accounts?: string;
  speed?: string;
  newBank?: boolean;
  seed?: string;
  fraudRate?: string;
  partitions: number;
  logLevel: string;
  tlsCert?: string;
  tlsKey?: string;
  saslMechanisms?: SaslMechanism[];
  saslUsers?: string;
}

interface Part {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

export function startCommand(): Command {
  return addSecurityOptions(new Command('start')
    .description('run broker, simulator, processor and dashboard together (Ctrl+C stops all)')
    .option('--brokers <list>', 'use this Kafka cluster instead of the embedded broker (env KAFKA_BROKERS)', brokerList)
    .option('--host <host>', 'address the embedded broker and the dashboard bind', hostName, '127.0.0.1')
    .option('--port <port>', 'embedded broker port (0 = any free port)', port, 9092)
    .option('--data-dir <dir>', 'embedded broker data directory', './data')
    .option('--dashboard-port <port>', 'dashboard port (0 = any free port)', port, 8080)
    .option('--partitions <n>', 'partitions of the topics the embedded broker creates', integer(1, 1000), 3)
    .option('--rate <n>', `the bank's mean transactions per second in real time; sets its accounts (default ${DEFAULTS.rate})`)
    .option('--accounts <n>', 'number of accounts instead of --rate')
    .option('--speed <n|max>', 'how many times faster than the wall clock the bank\'s clock runs (default 1)')
    .option('--seed <seed>', 'simulation seed of a new bank (default: random, printed; the bank in <data-dir>/bank.json continues)')
    .option('--new-bank', 'start a new bank instead of continuing the one in <data-dir>/bank.json')
    .option('--fraud-rate <rate>', `fraud incidents per 1,000 customers per year of a new bank, or "demo" (default ${DEMO_FRAUD_RATE}, a demo level)`)
    .option('--log-level <level>', 'log level for every part', process.env.LOG_LEVEL ?? 'info')
    .option('--tls-cert <file>', 'embedded broker: TLS certificate, PEM (SSL, SASL_SSL)')
    .option('--tls-key <file>', 'embedded broker: key of --tls-cert, PEM')
    .option('--sasl-mechanisms <list>', 'embedded broker: SASL mechanisms offered (default SCRAM-SHA-256,SCRAM-SHA-512)', saslMechanismList)
    .option('--sasl-users <file>', 'embedded broker: users file (`buzzline users add`); the parts log in with --sasl-username/--sasl-password'))
    .action(async (flags: StartFlags, command: Command) => {
      const security = clientSecurity(flags, command);
      try {
        // The producer's own rules, so `start --rate abc` fails as `produce --rate abc` would, before
        // anything runs. Its broker address is only known later and is not what is checked here.
        resolveProducerConfig({
          brokers: 'localhost:9092', ...producerFlags(flags), logLevel: flags.logLevel,
          securityProtocol: flags.securityProtocol, saslMechanism: flags.saslMechanism, saslUsername: flags.saslUsername, saslPassword: flags.saslPassword, sslCa: flags.sslCa,
        }, mergedEnv(readDotEnv()));
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
      // Each is free on its own, so start's port checks pass; the dashboard then failed after the broker
      // and the producer had started, blaming another buzzline.
      if (external === undefined && flags.port !== 0 && flags.port === flags.dashboardPort) {
        command.error(`error: --port and --dashboard-port are both ${flags.port}: the broker and the dashboard need a port each`, { exitCode: 2 });
      }
      process.exitCode = await start(flags, external, security);
    });
}

// external: the Kafka cluster to use instead of the embedded broker, if any.
async function start(flags: StartFlags, external: string[] | undefined, security: ClientSecurity): Promise<number> {
  try {
    if (external) await checkBrokersReachable(external, security.connection);
    else if (flags.port !== 0) await checkPortFree(flags.host, flags.port, '--port');
    if (flags.dashboardPort !== 0) await checkPortFree(flags.host, flags.dashboardPort, '--dashboard-port');
  } catch (err) {
    console.error(`buzzline start: ${(err as Error).message}${external ? ' (check --brokers / KAFKA_BROKERS)' : ''}`);
    return 1;
  }

  const parts: Part[] = [];
  const status = new CombinedStatus();
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    // Reverse start order: the producer flushes, the processor commits, then the broker closes its logs.
    for (const p of [...parts].reverse()) await stopPart(p);
    status.end();
  };
  const onSignal = () => {
    if (stopping) return;
    status.line('stopping: producer, processor, broker…', 'stderr');
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Something went wrong that start cannot carry on without (a part died, a stream failed, a bug): the
  // parts are stopped the same orderly way, and the exit code is 1.
  const fail = (reason: string) => {
    if (stopping) return;
    status.line(`buzzline start: ${reason}; stopping the rest`, 'stderr');
    void stopAll().then(() => process.exit(1));
  };
  // start's own output can go away (its reader closed the pipe: EPIPE; the terminal closed: EIO). An
  // unhandled stream error would end start on the spot, leaving the parts to notice on their own.
  for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
    stream.on('error', (err: NodeJS.ErrnoException) => fail(`cannot write to its ${name} (${err.code ?? err.message})`));
  }
  process.on('uncaughtException', (err) => fail(`unexpected error (${err.stack ?? err.message})`));
  process.on('unhandledRejection', (err) => fail(`unexpected error (${err instanceof Error ? (err.stack ?? err.message) : String(err)})`));

  const watch = (p: Part) => {
    void p.exited.then((code) => fail(`${p.name} exited unexpectedly (code ${code})`));
  };

  try {
    fs.mkdirSync('logs', { recursive: true });
    let brokers: string;
    if (external) {
      brokers = external.join(',');
      status.line(`using Kafka at ${brokers}`);
    } else {
      const broker = await spawnPart('broker', ['broker', '--host', flags.host, '--port', String(flags.port), '--data-dir', flags.dataDir,
        '--default-partitions', String(flags.partitions), '--log-level', 'info', ...brokerSecurityArgs(flags, security)], status, fail, { logFile: 'logs/broker.log', ready: /"msg":"broker listening".*?"port":(\d+)|"port":(\d+).*?"msg":"broker listening"/ }, security.env, BROKER_NODE_FLAGS);
      parts.push(broker.part);
      watch(broker.part);
      brokers = `${flags.host}:${broker.match[1] ?? broker.match[2]}`;
      status.line(`embedded broker on ${brokers} (data in ${flags.dataDir})`);
    }
    const dashboardPort = flags.dashboardPort === 0 ? await freePort(flags.host) : flags.dashboardPort;
    // Known here, so that start can print the address with it and reach the dashboard itself.
    const token = resolveToken(flags.host, undefined, mergedEnv(readDotEnv()));
    const consumer = await spawnPart('processor', ['consume', '--brokers', brokers, '--dashboard-port', String(dashboardPort), '--host', flags.host,
      '--log-level', flags.logLevel], status, fail, null, token === null ? security.env : { ...security.env, [TOKEN_ENV]: token }, PROCESSOR_NODE_FLAGS);
    parts.push(consumer.part);
    watch(consumer.part);
    // The producer starts while the processor does: building (or regenerating) the bank takes it a few
    // seconds, and what it sends meanwhile waits on the broker for the processor.
    const produceArgs = ['produce', '--brokers', brokers, '--log-level', flags.logLevel];
    for (const [flag, value] of Object.entries(producerFlags(flags))) {
      if (value === true) produceArgs.push(`--${kebab(flag)}`);
      else if (typeof value === 'string') produceArgs.push(`--${kebab(flag)}`, value);
    }
    const producer = await spawnPart('producer', produceArgs, status, fail, null, security.env);
    parts.push(producer.part);
    watch(producer.part);
    const shownHost = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
    const url = `http://${shownHost}:${dashboardPort}/`;
    await waitForHttp(`${url}api/summary`, consumer.part, token);
    status.line(`\ndashboard: ${urlWithToken(url, token)}\nlogs: ./logs   Ctrl+C stops everything\n`);
    return await new Promise<number>(() => {});
  } catch (err) {
    if (stopping) return await new Promise<number>(() => {}); // a part died; watch() is stopping the rest and exits
    status.line(`buzzline start: ${(err as Error).message}`, 'stderr');
    stopping = true;
    await stopAll();
    return 1;
  }
}

// The flags `start` hands to `buzzline produce`; the bank's state lives next to the broker's data.
// A new bank gets the demo fraud level unless one was asked for (flag or SIM_FRAUD_RATE); a bank that
// continues keeps its own, which the producer refuses to change.
function producerFlags(flags: StartFlags): ProduceFlags {
  const bankState = path.join(flags.dataDir, 'bank.json');
  let fraudRate = flags.fraudRate;
  if (fraudRate === undefined && !mergedEnv(readDotEnv())[ENV_VARS.fraudRate]) {
    let stored: BankState | undefined;
    try {
      stored = readBankState(bankState);
    } catch {
      stored = undefined; // a damaged file: the producer says so
    }
    const continues = stored !== undefined && !flags.newBank && (flags.seed === undefined || flags.seed === stored.seed);
    if (!continues) fraudRate = DEMO_FRAUD_RATE;
  }
  return { rate: flags.rate, accounts: flags.accounts, speed: flags.speed, seed: flags.seed, fraudRate, newBank: flags.newBank, bankState };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
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

// The embedded broker's listener follows the clients' --security-protocol.
function brokerSecurityArgs(flags: StartFlags, security: ClientSecurity): string[] {
  const args = ['--security-protocol', security.protocol];
  if (flags.tlsCert !== undefined) args.push('--tls-cert', flags.tlsCert);
  if (flags.tlsKey !== undefined) args.push('--tls-key', flags.tlsKey);
  if (flags.saslMechanisms !== undefined) args.push('--sasl-mechanisms', flags.saslMechanisms.join(','));
  if (flags.saslUsers !== undefined) args.push('--sasl-users', flags.saslUsers);
  return args;
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
function spawnPart(
  name: string, args: string[], status: CombinedStatus, fail: (reason: string) => void, ready: { logFile: string; ready: RegExp } | null, env: NodeJS.ProcessEnv = {},
  nodeFlags: readonly string[] = [],
): Promise<{ part: Part; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [...nodeFlags, BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
    env: { ...process.env, ...env, [SUPERVISED_ENV]: '1' },
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void exited.then(() => status.set(name, null));
  const part: Part = { name, child, exited };
  child.on('message', (m: StatusMessage) => {
    if (typeof m?.status === 'string') status.set(name, m.status);
  });
  // Errors of the part's process (it could not be spawned, a signal could not be sent, the IPC channel
  // broke) and of the pipes its output comes through stop everything in order instead of ending start.
  const streamError = (what: string) => (err: NodeJS.ErrnoException) => fail(`${what} failed (${err.code ?? err.message})`);
  child.on('error', streamError(`the ${name} process`));
  child.stdout?.on('error', streamError(`reading the ${name}'s output`));
  child.stderr?.on('error', streamError(`reading the ${name}'s errors`));
  readline.createInterface({ input: child.stderr as NodeJS.ReadableStream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => status.line(line, 'stderr'));
  if (!ready) {
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => status.line(line));
    return Promise.resolve({ part, match: /(?:)/.exec('') as RegExpExecArray });
  }
  // The log file's disk can fill up: lines that cannot be written are dropped and counted (logging.ts).
  const log = new LogSink(fs.openSync(ready.logFile, 'a'));
  return new Promise((resolve, reject) => {
    let seen = '';
    let done = false;
    // Decoded as a stream, so that a character split between two chunks stays whole.
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      log.write(text);
      if (done) return;
      seen += text;
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

async function waitForHttp(url: string, part: Part, token: string | null, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (part.child.exitCode !== null) throw new Error(`${part.name} exited with code ${part.child.exitCode}`);
    try {
      const res = await fetch(url, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
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
