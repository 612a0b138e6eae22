// confluent-kafka-python (librdkafka through Python) consumer groups against the embedded broker: two
// members split 6 partitions, one stops and the other takes everything over; offsets committed before a
// broker restart are where a new member resumes. The member is test/integration/py/group-consumer.py.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBroker } from '../helpers/broker.ts';
import type { TestBroker } from '../helpers/broker.ts';
import { assertExactlyOnce, keyedLines, sleep, until } from '../helpers/groups.ts';
import { onLines, PYTHON, run, track } from '../helpers/processes.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'py', 'group-consumer.py');
const GROUP = 'confluent-group';
const TOPIC = 'confluent_alerts';
const SESSION_TIMEOUT_MS = 6000;

let tb: TestBroker;
const members: PyMember[] = [];

before(async () => {
  tb = await startBroker({ groupInitialRebalanceDelayMs: 0 });
  tb.broker.context.topics.create(TOPIC, 6);
});
after(async () => {
  await Promise.all(members.map((m) => m.stop('SIGKILL')));
  await tb.stop();
});

class PyMember {
  readonly child: ChildProcess;
  readonly values: string[] = [];
  readonly errors: string[] = [];
  assigned: number[] = [];
  stderr = '';
  private readonly exit: Promise<number | null>;
  private exited = false;

  constructor() {
    this.child = track(spawn(PYTHON, [SCRIPT, tb.bootstrap, GROUP, TOPIC], { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.exit = new Promise((resolve) => this.child.on('exit', (code) => {
      this.exited = true;
      resolve(code);
    }));
    onLines(this.child.stdout, (line) => {
      const e = JSON.parse(line) as { assigned?: number[]; revoked?: number[]; v?: string; error?: string };
      if (e.assigned !== undefined) this.assigned = e.assigned;
      if (e.revoked !== undefined) this.assigned = [];
      if (e.v !== undefined) this.values.push(e.v);
      if (e.error !== undefined) this.errors.push(e.error);
    });
    this.child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()));
    members.push(this);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.exited) this.child.kill(signal);
    return this.exit;
  }
}

async function produce(prefix: string, count: number): Promise<string[]> {
  const { input, values } = keyedLines(prefix, count);
  const r = await run('kcat', ['-b', tb.bootstrap, '-P', '-t', TOPIC, '-K', '\t', '-X', 'acks=all'], { input });
  assert.equal(r.code, 0, r.stderr);
  return values;
}

test('confluent-kafka-python: split, hand over, commit, broker restart, resume from the committed offsets', async () => {
  const a = new PyMember();
  const b = new PyMember();
  await until(() => a.assigned.length === 3 && b.assigned.length === 3, 30_000, () => `a split, a=${a.assigned} b=${b.assigned} ${a.stderr} ${b.stderr}`);
  assert.deepEqual([...a.assigned, ...b.assigned].sort(), [0, 1, 2, 3, 4, 5]);
  const first = await produce('first', 300);
  await until(() => a.values.length + b.values.length >= first.length, 20_000, 'the first messages');
  assert.ok(a.values.length > 0 && b.values.length > 0, 'both members consumed');

  const stoppedAt = Date.now();
  assert.equal(await a.stop(), 0, a.stderr);
  await until(() => b.assigned.length === 6, SESSION_TIMEOUT_MS, 'b to own all partitions after a stopped');
  const takeoverMs = Date.now() - stoppedAt;
  const second = await produce('second', 300);
  await until(() => a.values.length + b.values.length >= first.length + second.length, 20_000, 'the second messages');
  assert.equal(await b.stop(), 0, b.stderr);
  assertExactlyOnce([...a.values, ...b.values], [...first, ...second], 'before the restart');

  await tb.restart();
  const third = await produce('third', 300);
  const c = new PyMember();
  await until(() => c.values.length >= third.length, 30_000, 'the messages produced after the restart');
  await sleep(1000);
  assertExactlyOnce(c.values, third, 'after the restart: resumed from the committed offsets');
  assert.equal(await c.stop(), 0, c.stderr);
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors].filter((e) => !/disconnect|Connection refused|brokers are down/i.test(e)), []);
  console.log(`confluent-kafka-python: takeover after a member stopped ${takeoverMs} ms`);
});
