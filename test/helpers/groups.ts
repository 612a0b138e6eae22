// Shared pieces of the consumer-group interop tests: polling for a condition, checking that a set of
// consumed values is exactly the produced one, and kcat -G members whose assignment and output are
// followed as they happen.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { onLines, track } from './processes.ts';

// Polls until cond() holds; returns how long that took. Fails with the description after timeoutMs.
export async function until(cond: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// Every expected value exactly once, nothing else.
export function assertExactlyOnce(consumed: readonly string[], expected: readonly string[], label: string): void {
  const counts = new Map<string, number>();
  for (const v of consumed) counts.set(v, (counts.get(v) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
  assert.deepEqual(twice.slice(0, 10), [], `${label}: consumed more than once`);
  const want = new Set(expected);
  const missing = expected.filter((v) => !counts.has(v));
  assert.deepEqual(missing.slice(0, 10), [], `${label}: never consumed (${missing.length} in all)`);
  const extra = [...counts.keys()].filter((v) => !want.has(v));
  assert.deepEqual(extra.slice(0, 10), [], `${label}: consumed but not expected`);
}

// Tab-separated "key\tvalue" lines for kcat -P -K '\t'; keys spread the values over the partitions.
export function keyedLines(prefix: string, count: number): { input: string; values: string[] } {
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  return { input: values.map((v, i) => `acct-${i % 97}\t${v}`).join('\n') + '\n', values };
}

export interface ConsumedRow {
  partition: number;
  offset: number;
  value: string;
}

const REBALANCED = /^% Group \S+ rebalanced \(memberid [^)]*\): (assigned|revoked): ?(.*)$/;

// One `kcat -G` consumer group member. Its stderr announces every rebalance; stdout carries the messages
// (unbuffered, one "partition\toffset\tvalue" line each).
export class KcatMember {
  readonly child: ChildProcess;
  readonly name: string;
  readonly rows: ConsumedRow[] = [];
  assigned = new Set<number>();
  stderr = '';
  private exited = false;
  private readonly exit: Promise<number | null>;

  constructor(name: string, bootstrap: string, group: string, topic: string, config: Record<string, string> = {}) {
    this.name = name;
    const settings = { 'auto.offset.reset': 'earliest', 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '500', ...config };
    const args = ['-b', bootstrap, '-G', group, '-u', '-f', '%p\t%o\t%s\n', ...Object.entries(settings).flatMap(([k, v]) => ['-X', `${k}=${v}`]), topic];
    this.child = track(spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => {
      this.exited = true;
      resolve(code);
    }));
    onLines(this.child.stdout, (line) => {
      const [p, o, ...v] = line.split('\t');
      this.rows.push({ partition: Number(p), offset: Number(o), value: v.join('\t') });
    });
    this.child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()));
    onLines(this.child.stderr, (line) => {
      const m = REBALANCED.exec(line);
      if (m === null) return;
      const partitions = [...(m[2] ?? '').matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
      this.assigned = m[1] === 'assigned' ? new Set(partitions) : new Set();
    });
  }

  get values(): string[] {
    return this.rows.map((r) => r.value);
  }

  // SIGTERM: kcat closes the consumer, which commits its offsets and leaves the group. SIGKILL: it just dies.
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.exited) this.child.kill(signal);
    await this.exit;
  }
}
