// Child processes for integration tests: the broker as its own process (for kill -9 tests) and external
// clients (kcat, python). Every process started here is killed when the test process exits.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BROKER_NODE_FLAGS } from '../../src/broker/node-flags.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUZZLINE = path.join(ROOT, 'bin/buzzline.js');

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);
// Under `node --test` a failed or timed-out test can leave children running, and their pipes would keep
// the test file's process (and so the whole run) alive: kill them when the file's tests are done.
if (process.env.NODE_TEST_CONTEXT !== undefined) after(killAll);

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

// Calls fn for every complete line a child writes to one of its streams.
export function onLines(stream: NodeJS.ReadableStream | null | undefined, fn: (line: string) => void): void {
  if (stream) readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', fn);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// A command that prints more than this is stopped: a reader the broker serves the same records forever
// (kcat -C -e never reaching the end) would otherwise fill the machine's memory before its timeout.
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

// Runs a command to completion (or until timeoutMs, then SIGKILL), with optional stdin. One that prints
// more than MAX_OUTPUT_BYTES is killed too, and its stderr says so.
export function run(cmd: string, args: string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env }));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let overflowed = false;
    const collect = (into: Buffer[]) => (b: Buffer) => {
      if (overflowed) return;
      bytes += b.length;
      if (bytes > MAX_OUTPUT_BYTES) {
        overflowed = true;
        child.kill('SIGKILL');
        return;
      }
      into.push(b);
    };
    child.stdout?.on('data', collect(out));
    child.stderr?.on('data', collect(err));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const note = overflowed ? `\n[run: ${cmd} printed more than ${MAX_OUTPUT_BYTES} bytes and was killed]` : '';
      resolve({ code, stdout: overflowed ? '' : Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() + note });
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

// Debian's python3: the one that has python3-kafka and python3-confluent-kafka (the python3 on PATH may not).
// A long-running buzzline command (say `consume`) as a tracked child: its stderr collected, stdout drained,
// and its exit code (null when a signal ended it).
export interface BuzzlineChild {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
}

export function spawnBuzzline(args: string[]): BuzzlineChild {
  const child = track(spawn(process.execPath, [BUZZLINE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => err };
}

export const PYTHON = '/usr/bin/python3';

// Runs a Python interop script against a broker; it must exit 0 and print one JSON document.
export async function runPythonJson<T>(script: string, bootstrap: string, args: string[], what: string): Promise<T> {
  const r = await run(PYTHON, [script, bootstrap, ...args], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, `${what} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface BrokerProcess {
  child: ChildProcess;
  bootstrap: string;
  exited: Promise<number | null>;
}

// `buzzline broker` as a child process on a free port; resolves once it logs that it is listening.
// openFileLimit runs it under `ulimit -n` (bash execs node, so the child's pid is the broker's).
export function spawnBroker(dataDir: string, extraArgs: string[] = [], opts: { openFileLimit?: number } = {}): Promise<BrokerProcess> {
  const args = [...BROKER_NODE_FLAGS, BUZZLINE, 'broker', '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...extraArgs];
  const child = track(opts.openFileLimit === undefined
    ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('bash', ['-c', `ulimit -n ${opts.openFileLimit} && exec "$0" "$@"`, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    // Its output until it listens, for the error if it does not; after that it is read and dropped (the
    // broker must not block on a full pipe, and a busy broker's log kept whole grew without bound).
    let buffered = '';
    let listening = false;
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${buffered}`)), 30_000);
    child.stderr?.on('data', (b: Buffer) => {
      if (!listening) buffered += b.toString();
    });
    child.stdout?.on('data', (b: Buffer) => {
      if (listening) return;
      buffered += b.toString();
      const m = /"msg":"broker listening"/.test(buffered) ? /"port":(\d+)/.exec(buffered) : null;
      if (m) {
        listening = true;
        buffered = '';
        clearTimeout(timer);
        resolve({ child, bootstrap: `127.0.0.1:${m[1]}`, exited });
      }
    });
    child.on('exit', (code) => reject(new Error(`broker exited with ${code}: ${buffered}`)));
  });
}
