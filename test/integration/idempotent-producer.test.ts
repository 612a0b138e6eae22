// librdkafka's idempotent producer (enable.idempotence=true, via confluent-kafka-python) against broker
// restarts. Requests in flight when the broker goes away are retried with their original sequence numbers;
// the broker, having rebuilt its producer state (snapshot + log, or the log alone after a crash),
// acknowledges the batches it already has without appending them again. Every message ends up in the log
// exactly once, in order within its partition.
//
// A real restart rarely catches a batch between its append and its response, so the first test makes that
// happen: the broker stops right after appending a batch, before answering it, and comes back (once with
// its snapshot, once with the snapshot gone as after kill -9). The second restarts a broker process under
// a busy producer, with SIGTERM and with SIGKILL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { SNAPSHOT_FILE } from '../../src/broker/coordinator/producer-state.ts';
import { startBroker, tempDir } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { until } from '../helpers/groups.ts';
import { onLines, PYTHON, run, spawnBroker, track } from '../helpers/processes.ts';
import type { BrokerProcess } from '../helpers/processes.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py', 'idempotent-producer.py');

const dirs: string[] = [];
const brokers: BrokerProcess[] = [];
let inProcess: TestBroker | null = null;
after(async () => {
  await inProcess?.stop();
  for (const b of brokers) b.child.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface ProducerRun {
  sent(): number;
  finished: Promise<{ delivered: number; failed: number; failures: string[]; remaining: number; errors: string[] }>;
}

// Starts the Python producer: `count` messages, `perTick` of them every `tickSeconds`.
function startProducer(bootstrap: string, topic: string, count: number, perTick: number, tickSeconds: number): ProducerRun {
  const child = track(spawn(PYTHON, [SCRIPT, bootstrap, topic, String(count), String(perTick), String(tickSeconds)], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let sent = 0;
  const errors: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const finished = new Promise<{ delivered: number; failed: number; failures: string[]; remaining: number; errors: string[] }>((resolve, reject) => {
    onLines(child.stdout, (line) => {
      const e = JSON.parse(line) as { sent?: number; done?: boolean; error?: string; delivered: number; failed: number; failures: string[]; remaining: number };
      if (e.sent !== undefined) sent = e.sent;
      if (e.error !== undefined) errors.push(e.error);
      if (e.done === true) resolve({ ...e, errors });
    });
    child.on('exit', (code) => reject(new Error(`producer exited with ${code} before finishing: ${stderr}`)));
  });
  return { sent: () => sent, finished };
}

async function assertDelivered(p: ProducerRun, count: number): Promise<void> {
  const r = await p.finished;
  assert.deepEqual([r.delivered, r.failed, r.remaining], [count, 0, 0], `delivery failures: ${r.failures.join('; ')}`);
  assert.deepEqual(r.errors.filter((e) => /fatal|sequence|epoch|duplicate/i.test(e)), [], 'no idempotence errors on the client');
}

// Reads the whole topic back: every value 0..count-1 exactly once, increasing within each partition.
async function assertLogExactlyOnce(bootstrap: string, topic: string, count: number): Promise<void> {
  const consumed = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-f', '%p\t%o\t%s\n'], { timeoutMs: 60_000 });
  assert.equal(consumed.code, 0, consumed.stderr);
  const rows = consumed.stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t').map(Number) as [number, number, number]);
  const seen = new Uint8Array(count);
  const last = new Map<number, number>();
  for (const [p, o, v] of rows) {
    assert.equal(seen[v], 0, `message ${v} is in the log twice (partition ${p}, offset ${o})`);
    seen[v] = 1;
    assert.ok(v > (last.get(p) ?? -1), `partition ${p} out of order at message ${v}`);
    last.set(p, v);
  }
  assert.equal(rows.length, count, `${count - rows.length} messages missing`);
}

test('a batch appended but never answered is retried by librdkafka and acknowledged once, with or without the snapshot', { timeout: 90_000 }, async () => {
  const topic = 'lost_responses';
  const count = 20_000;
  const dataDir = tempDir('buzzline-idempotent-');
  dirs.push(dataDir);
  let duplicates = 0;
  const logger = pino({ level: 'debug' }, new Writable({
    write(chunk: Buffer, _enc, done) {
      if (chunk.toString().includes('duplicate batch acknowledged')) duplicates++;
      done();
    },
  }));
  let tb: TestBroker = await startBroker({ dataDir, logger });
  inProcess = tb;
  const port = tb.broker.address().port;
  tb.broker.context.topics.create(topic, 3);

  // The next broker stops itself right after its `nth` append to partition 0, before that produce is
  // answered; resolves once the broker is back on the same port.
  const lose = (nth: number, asCrash: boolean): Promise<void> => new Promise((resolve) => {
    const log = tb.broker.context.topics.partition(topic, 0)?.log;
    assert.ok(log);
    const append = log.append.bind(log);
    let appends = 0;
    log.append = (records, opts) => {
      const result = append(records, opts);
      if (++appends === nth) {
        log.append = append;
        // close() drops every connection at once, so the response to this produce is never sent.
        void tb.broker.close().then(async () => {
          if (asCrash) fs.rmSync(path.join(dataDir, `${topic}-0`, SNAPSHOT_FILE));
          tb = await startBroker({ dataDir, logger, port });
          inProcess = tb;
          resolve();
        });
      }
      return result;
    };
  });

  const producer = startProducer(`127.0.0.1:${port}`, topic, count, 500, 0.02);
  await lose(10, false);
  await lose(10, true);
  await assertDelivered(producer, count);
  await assertLogExactlyOnce(tb.bootstrap, topic, count);
  assert.ok(duplicates >= 2, `the unanswered batches were retried and recognised (${duplicates} duplicates)`);
  await tb.stop();
  inProcess = null;
});

test('idempotent producer across broker process restarts (SIGTERM, then kill -9): no duplicates, no gaps', { timeout: 120_000 }, async () => {
  const topic = 'restarts';
  const count = 100_000;
  const dataDir = tempDir('buzzline-idempotent-');
  dirs.push(dataDir);
  let broker = await spawnBroker(dataDir);
  brokers.push(broker);
  const port = broker.bootstrap.split(':')[1] as string;
  const restart = async (signal: NodeJS.Signals) => {
    broker.child.kill(signal);
    await broker.exited;
    broker = await spawnBroker(dataDir, ['--port', port]);
    brokers.push(broker);
  };
  // As fast as the broker takes them, so that requests are in flight whenever the broker goes away.
  const producer = startProducer(broker.bootstrap, topic, count, 5000, 0);
  await until(() => producer.sent() >= count / 3, 60_000, 'a third of the messages');
  await restart('SIGTERM');
  await until(() => producer.sent() >= (2 * count) / 3, 60_000, 'two thirds of the messages');
  await restart('SIGKILL');
  await assertDelivered(producer, count);
  await assertLogExactlyOnce(broker.bootstrap, topic, count);
  broker.child.kill('SIGTERM');
  await broker.exited;
});
