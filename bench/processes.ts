// Process plumbing for the benchmarks: buzzline commands as child processes whose peak RSS is reported,
// and small Kafka-side probes (group readiness, committed offsets, first record timestamps) that the
// pipeline benchmarks use to tell when the processor is ready and when it has caught up.

import { Consumer } from '@platformatic/kafka';
import type { Admin } from '@platformatic/kafka';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUZZLINE, track } from '../test/helpers/processes.ts';

const RSS_PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rss-probe.js');

// VmHWM (peak resident set) of a live process, in MB.
export function peakRssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface NodeChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  // Resolves with the exit code and the peak RSS the process reported on its way out (rss-probe.js).
  exited: Promise<{ code: number | null; peakRssMb: number }>;
}

// `node <args>` with the RSS probe preloaded; `buzzline(...)` is the usual caller.
export function spawnNode(args: string[], rssFile: string): NodeChild {
  fs.rmSync(rssFile, { force: true });
  const child = track(spawn(process.execPath, ['--import', RSS_PROBE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_RSS_FILE: rssFile },
  }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; peakRssMb: number }>((resolve) => {
    child.on('close', (code) => {
      let kb = Number.NaN;
      try {
        kb = Number(fs.readFileSync(rssFile, 'utf8'));
      } catch {
        // The process died without running its exit handlers (SIGKILL): no figure.
      }
      resolve({ code, peakRssMb: kb / 1024 });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

// nodeFlags: what `buzzline start` runs that part with (src/broker/node-flags.ts, src/processor/node-flags.ts).
export function buzzline(args: string[], rssFile: string, nodeFlags: readonly string[] = []): NodeChild {
  return spawnNode([...nodeFlags, BUZZLINE, ...args], rssFile);
}

export async function stop(proc: NodeChild, timeoutMs = 15_000): Promise<{ code: number | null; peakRssMb: number }> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

// A port the OS says is free right now, for servers that cannot be told to pick one (redis-server).
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Waits until `group` is Stable with `topic` assigned, i.e. the processor is ready to take records.
export async function waitForGroup(admin: Admin, group: string, topic: string, proc: NodeChild, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`processor exited early: ${proc.stderr()}${proc.stdout()}`);
    try {
      const g = (await admin.describeGroups({ groups: [group] })).get(group);
      const assigned = [...(g?.members.values() ?? [])].some((m) => [...(m.assignments?.values() ?? [])].some((a) => a.topic === topic && a.partitions.length > 0));
      if (assigned && String(g?.state).toUpperCase() === 'STABLE') return;
    } catch {
      // The coordinator or the group is not there yet.
    }
    await sleep(100);
  }
  throw new Error(`group ${group} did not become stable within ${timeoutMs} ms: ${proc.stderr()}`);
}

// Sum of the group's committed offsets on `topic` (= records it has processed, from an empty topic).
export async function committedTotal(admin: Admin, group: string, topic: string): Promise<bigint> {
  const groups = await admin.listConsumerGroupOffsets({ groups: [group] });
  let sum = 0n;
  for (const g of groups) for (const t of g.topics) if (t.name === topic) for (const p of t.partitions) if (p.committedOffset > 0n) sum += p.committedOffset;
  return sum;
}

// Wall-clock create time of the first record of each partition (the producer stamps Date.now()).
export async function firstTimestampMs(bootstrap: string, topic: string): Promise<number> {
  const consumer = new Consumer({ clientId: 'bench-first', groupId: 'bench-first-unused', bootstrapBrokers: [bootstrap], retries: 2 });
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const meta = metadata.topics.get(topic);
    if (!meta) throw new Error(`topic ${topic} not in metadata`);
    const node = [...metadata.brokers.keys()][0] ?? 1;
    const partitions = Array.from({ length: meta.partitionsCount }, (_, partition) => ({
      partition, fetchOffset: 0n, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 1,
    }));
    const response = await consumer.fetch({ node, maxWaitTime: 10, topics: [{ topicId: meta.id, partitions }] });
    let first = Number.POSITIVE_INFINITY;
    for (const t of response.responses) for (const p of t.partitions) for (const b of p.records ?? []) first = Math.min(first, Number(b.firstTimestamp));
    return first;
  } finally {
    await consumer.close();
  }
}
