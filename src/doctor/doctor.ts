// `buzzline doctor`: checks a broker the way buzzline will use it, one step at a time, and says what
// works and what does not. Everything goes through @platformatic/kafka, so a pass means the producer,
// processor and dashboard will work against that broker (embedded or a real cluster). The scratch topic
// and group it creates are deleted again.

import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import type { KafkaSecurity } from '../kafka-security.ts';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

// API keys buzzline needs, with the names printed when one is missing.
const REQUIRED_APIS: Record<number, string> = {
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch',
  10: 'FindCoordinator', 11: 'JoinGroup', 12: 'Heartbeat', 13: 'LeaveGroup', 14: 'SyncGroup',
  18: 'ApiVersions', 19: 'CreateTopics', 20: 'DeleteTopics',
};

export interface DoctorOptions {
  brokers: string[];
  security?: KafkaSecurity;
  timeoutMs?: number;
  onResult?: (r: CheckResult) => void;
}

export async function runDoctor(opts: DoctorOptions): Promise<CheckResult[]> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const results: CheckResult[] = [];
  const check = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
    const start = performance.now();
    let r: CheckResult;
    try {
      r = { name, ok: true, detail: await withTimeout(fn(), timeoutMs, name), ms: 0 };
    } catch (err) {
      r = { name, ok: false, detail: describeError(err), ms: 0 };
    }
    r.ms = Math.round(performance.now() - start);
    results.push(r);
    opts.onResult?.(r);
    return r.ok;
  };

  const reachable = await check('tcp connect', async () => {
    await Promise.all(opts.brokers.map(tcpConnect));
    return `${opts.brokers.join(', ')} accept connections`;
  });
  if (!reachable) return results;

  const base = { clientId: 'buzzline-doctor', bootstrapBrokers: opts.brokers, ...opts.security, retries: 1, timeout: timeoutMs };
  const admin = new Admin(base);
  const topic = `buzzline-doctor-${randomUUID().slice(0, 8)}`;
  const groupId = `${topic}-group`;
  let created = false;
  try {
    await check('api versions', async () => {
      const apis = await admin.listApis();
      const have = new Set(apis.map((a) => a.apiKey));
      const missing = Object.entries(REQUIRED_APIS).filter(([k]) => !have.has(Number(k))).map(([, n]) => n);
      if (missing.length > 0) throw new Error(`missing APIs: ${missing.join(', ')}`);
      return `${apis.length} APIs, all ${Object.keys(REQUIRED_APIS).length} that buzzline uses`;
    });
    await check('metadata', async () => {
      // An empty topic list asks for no topics at all; the count comes from listing them.
      const [md, topics] = await Promise.all([admin.metadata({ topics: [] }), admin.listTopics()]);
      return `cluster ${md.id}, ${md.brokers.size} broker(s), ${topics.length} topic(s) listed`;
    });
    created = await check('create scratch topic', async () => {
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
      return topic;
    });
    if (created) {
      const value = `doctor-${randomUUID()}`;
      await check('produce', async () => {
        const producer = new Producer({ ...base, serializers: stringSerializers });
        try {
          const res = await producer.send({ messages: [{ topic, key: 'doctor', value }], acks: -1 });
          return `acknowledged at offset ${res.offsets?.[0]?.offset ?? '?'}`;
        } finally {
          await producer.close();
        }
      });
      await check('consume in a group (join, sync, fetch, commit)', async () => {
        const consumer = new Consumer({ ...base, groupId, deserializers: stringDeserializers, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
        try {
          const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 500 });
          for await (const message of stream) {
            if (message.value !== value) throw new Error(`read back ${JSON.stringify(message.value)}, expected ${value}`);
            await message.commit();
            break;
          }
          await stream.close();
          return 'joined the group, read the message back, committed its offset';
        } finally {
          await consumer.close(true);
        }
      });
      await check('committed offset', async () => {
        const groups = await admin.listConsumerGroupOffsets({ groups: [groupId] });
        const offset = groups[0]?.topics.find((t) => t.name === topic)?.partitions[0]?.committedOffset;
        if (offset !== 1n) throw new Error(`committed offset is ${String(offset)}, expected 1`);
        return 'offset 1 stored for the group';
      });
    }
  } finally {
    if (created) {
      await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
      await check('delete scratch topic', async () => {
        await admin.deleteTopics({ topics: [topic] });
        return topic;
      });
    }
    await admin.close();
  }
  return results;
}

function tcpConnect(hostPort: string): Promise<void> {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i);
  const port = Number(hostPort.slice(i + 1));
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => {
      s.destroy();
      resolve();
    });
    s.once('error', (err) => reject(new Error(`${hostPort}: ${err.message}`)));
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// Kafka client errors nest the useful part in `errors`/`cause`; show the innermost messages.
function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 4; depth++) {
    parts.push(e.message);
    const nested = (e as Error & { errors?: unknown[] }).errors;
    e = nested?.[0] ?? e.cause;
  }
  return [...new Set(parts)].join(': ') || String(err);
}
