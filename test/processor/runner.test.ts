// StreamRunner against an in-memory Kafka that acknowledges late, loses whatever is in flight when the
// process "dies", and keeps what reached it. Checks the checkpoint order (outputs acknowledged ->
// snapshot stored -> offset committed), and that crashes at random points and a rebalance between two
// runners leave exactly the alert ids, dead letters and metric totals of one uninterrupted run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { parseWindows } from '../../src/formats/metrics-window.ts';
import { resolveConfig } from '../../src/processor/config.ts';
import type { InputRecord } from '../../src/processor/partition-processor.ts';
import type { CommitOffset, OutputOffsets, RunnerPorts, SnapshotRecord, StoredSnapshot } from '../../src/processor/runner-ports.ts';
import { StreamRunner, type RunnerOptions } from '../../src/processor/runner.ts';
import { LocalSinks, type OutputRecord } from '../../src/processor/sinks.ts';
import { resolveChain, type ChainRecord } from '../../src/processor/snapshot-chain.ts';
import { windowTotals } from '../helpers/bank-input.ts';
import { record, seededRandom, T0, type MessageFields } from './helpers.ts';

const config = resolveConfig({
  overrides: ['rules.velocity.count=3', 'rules.velocity.windowSec=20', 'rules.amount_outlier.minHistory=3', 'latenessMs=1500', 'windowMs=2000'],
});
const silent = pino({ level: 'silent' });
const PARTITIONS = 3;

// Per partition: full and minimal messages, bad records, retried transactions, labels.
function generate(seed: number, perPartition: number, accountsPerPartition = 4): InputRecord[][] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  return Array.from({ length: PARTITIONS }, (_, partition) => {
    const accounts = Array.from({ length: accountsPerPartition }, (_, i) => ({ id: `ACC-${partition}-${i}`, balance: 400_00 }));
    const sent: MessageFields[] = [];
    const out: InputRecord[] = [];
    let t = T0;
    for (let offset = 0; offset < perPartition; offset++) {
      t += Math.floor(rand() * 2000);
      const label = pick(['normal', 'normal', 'card_testing']);
      const roll = rand();
      if (roll < 0.05) {
        out.push(record(offset, pick(['{"oops"', '[]', '{"account_id":"X","transaction_type":"refund","amount":1}']), { partition, timestampMs: t, label }));
        continue;
      }
      if (roll < 0.08 && sent.length > 0) {
        out.push(record(offset, pick(sent.slice(-20)), { partition, timestampMs: t, label }));
        continue;
      }
      const a = pick(accounts);
      const type = pick(['withdraw', 'withdraw', 'deposit', 'current_balance'] as const);
      let amount = Math.floor(rand() * 60_00) + 1_00;
      if (type === 'withdraw' && rand() < 0.1) amount = Math.max(1_00, Math.floor(a.balance * 0.95));
      if (type === 'withdraw' && rand() < 0.05) amount *= 20;
      if (type === 'deposit') a.balance += amount;
      if (type === 'withdraw') a.balance -= amount;
      if (type === 'current_balance') amount = Math.max(0, a.balance);
      const message: MessageFields = { transaction_id: `T-${partition}-${offset}`, timestamp: new Date(t).toISOString(), account_id: a.id, transaction_type: type, amount: amount / 100, balance: a.balance / 100 };
      sent.push(message);
      out.push(record(offset, message, { partition, timestampMs: t, label }));
    }
    return out;
  });
}

interface TopicEntry {
  record: OutputRecord;
}

// The durable part of the fake cluster: it outlives every runner that uses it.
class FakeCluster {
  readonly outputs: TopicEntry[] = [];
  // ids in the alerts, notifications and cases topics, one partition per source partition, with the offset
  // of the source record that made each
  readonly alertsByPartition = new Map<number, Array<{ id: string; sourceOffset: bigint }>>();
  readonly snapshots = new Map<number, Buffer[]>(); // encoded, like the state topic
  readonly committed = new Map<number, bigint>();
  readonly events: string[] = [];
  // Every output of a source record (alerts, notifications, cases, dead letters): its source partition and
  // offset, and the index in events at which it landed.
  readonly landed: Array<{ partition: number; offset: bigint; at: number }> = [];

  land(records: readonly OutputRecord[]): void {
    for (const r of records) {
      this.outputs.push({ record: r });
      const offset = r.headers['source-offset'] ?? r.headers['dlq-offset'];
      if (offset !== undefined) this.landed.push({ partition: r.sourcePartition, offset: BigInt(offset), at: this.events.length });
      const id = r.headers['alert-id'];
      if (id !== undefined) {
        const list = this.alertsByPartition.get(r.sourcePartition) ?? [];
        list.push({ id, sourceOffset: BigInt(r.headers['source-offset'] ?? Number.NaN) });
        this.alertsByPartition.set(r.sourcePartition, list);
      }
    }
  }
}

// One process's connection to the cluster. Replies arrive after a random number of turns; die() drops
// every reply still owed and lets each in-flight request reach the cluster or not, at random.
class FakePorts implements RunnerPorts {
  private readonly cluster: FakeCluster;
  private readonly rand: () => number;
  private readonly owed = new Set<{ land: () => void; settle: () => void }>();
  seek?: (partition: number, offset: bigint) => void;
  backlogged?: (partitions: readonly number[]) => Promise<number[]>;
  dead = false;
  sends = 0;
  acked = 0;

  private readonly sendTurns: number; // turns a send takes at least, on top of the random ones

  constructor(cluster: FakeCluster, rand: () => number, sendTurns = 0) {
    this.cluster = cluster;
    this.rand = rand;
    this.sendTurns = sendTurns;
  }

  private request<T>(land: () => T, minTurns = 0): Promise<T> {
    if (this.dead) return new Promise(() => {});
    return new Promise((resolve) => {
      let landed = false;
      let value: T;
      const entry = {
        land: () => {
          if (!landed) value = land();
          landed = true;
        },
        settle: () => {
          entry.land();
          resolve(value);
        },
      };
      this.owed.add(entry);
      let turns = minTurns + Math.floor(this.rand() * 4);
      const step = () => {
        if (this.dead) return;
        if (turns-- > 0) {
          setImmediate(step);
          return;
        }
        this.owed.delete(entry);
        entry.settle();
      };
      setImmediate(step);
    });
  }

  die(): void {
    this.dead = true;
    for (const entry of this.owed) if (this.rand() < 0.5) entry.land();
    this.owed.clear();
  }

  send(records: OutputRecord[]): Promise<void> {
    const id = ++this.sends;
    this.cluster.events.push(`send-start ${id}`);
    return this.request(() => {
      this.cluster.land(records);
      this.cluster.events.push(`send-ack ${id}`);
      this.acked++;
    }, this.sendTurns);
  }

  loadSnapshot(partition: number): Promise<StoredSnapshot | null> {
    return this.request(() => {
      const records = (this.cluster.snapshots.get(partition) ?? []).map((stored) => {
        const parsed = JSON.parse(stored.toString('utf8')) as { alertsFrom: string | null; snapshot: string; seq: number; baseOffset: string };
        return { seq: parsed.seq, baseOffset: parsed.baseOffset, value: Buffer.from(parsed.snapshot, 'base64'), outputsFrom: parsed.alertsFrom === null ? {} : { alerts: BigInt(parsed.alertsFrom) } };
      });
      const full = records.findLastIndex((r) => r.seq === 0);
      if (full < 0) return null;
      return resolveChain(partition, records[full] as ChainRecord, records.slice(full + 1));
    });
  }

  // Alerts and notifications share one log here: the one offset stands for both topics.
  emittedIds(partition: number, from: OutputOffsets, fromSourceOffset: bigint): Promise<string[]> {
    return this.request(() =>
      (this.cluster.alertsByPartition.get(partition) ?? [])
        .slice(Number(from.alerts ?? 0n))
        .filter((a) => a.sourceOffset >= fromSourceOffset)
        .map((a) => a.id),
    );
  }

  outputEnds(partitions: readonly number[]): Promise<Map<number, OutputOffsets>> {
    this.cluster.events.push('alerts-end');
    return this.request(() => new Map(partitions.map((p) => [p, { alerts: BigInt(this.cluster.alertsByPartition.get(p)?.length ?? 0) }])));
  }

  saveSnapshots(snapshots: readonly SnapshotRecord[]): Promise<void> {
    const encoded = snapshots.map((s) => ({
      partition: s.partition,
      value: Buffer.from(JSON.stringify({ alertsFrom: s.outputsFrom.alerts === undefined ? null : String(s.outputsFrom.alerts), snapshot: Buffer.from(s.value).toString('base64'), seq: s.seq, baseOffset: s.baseOffset })),
    }));
    this.cluster.events.push(`save ${snapshots.map((s) => `${s.partition}@${s.nextOffset}`).join(',')}`);
    return this.request(() => {
      for (const e of encoded) {
        const list = this.cluster.snapshots.get(e.partition) ?? [];
        list.push(e.value);
        this.cluster.snapshots.set(e.partition, list);
      }
      this.cluster.events.push('save-ack');
    });
  }

  commit(offsets: readonly CommitOffset[]): Promise<void> {
    this.cluster.events.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`);
    return this.request(() => {
      for (const o of offsets) this.cluster.committed.set(o.partition, o.offset);
    });
  }
}

function runnerOptions(overrides: Partial<RunnerOptions> = {}): RunnerOptions {
  return {
    config,
    group: 'g',
    checkpointIntervalMs: 1_000_000,
    checkpointRecords: 37,
    maxBatchRecords: 5,
    maxBatchBytes: 4096,
    maxInFlight: 3,
    idleShowMs: 1_000_000,
    logger: silent,
    ...overrides,
  };
}

// Round-robin over the partitions from their committed offsets, like a consumer's fetches.
function* consume(input: InputRecord[][], cluster: FakeCluster, partitions: readonly number[]): Generator<InputRecord> {
  const next = new Map(partitions.map((p) => [p, Number(cluster.committed.get(p) ?? 0n)]));
  for (;;) {
    let any = false;
    for (const p of partitions) {
      const o = next.get(p) as number;
      const r = input[p]?.[o];
      if (r === undefined) continue;
      next.set(p, o + 1);
      any = true;
      yield r;
    }
    if (!any) return;
  }
}

// pauseEvery: give the event loop a few turns after every so many records, as fetches do, so that
// background stores finish and the next checkpoint can start.
async function feed(runner: StreamRunner, records: Iterable<InputRecord>, limit = Number.POSITIVE_INFINITY, pauseEvery = Number.POSITIVE_INFINITY): Promise<boolean> {
  let n = 0;
  for (const r of records) {
    if (n++ >= limit) return false;
    const pending = runner.handle(r);
    if (pending !== undefined) await pending;
    else if (n % pauseEvery === 0) for (let i = 0; i < 8; i++) await new Promise((resolve) => setImmediate(resolve));
  }
  return true;
}

function alertIds(cluster: FakeCluster): string[] {
  return cluster.outputs.flatMap((e) => (e.record.alert === undefined ? [] : [e.record.alert.id]));
}

function dlqOffsets(cluster: FakeCluster): string[] {
  return cluster.outputs.flatMap((e) => (e.record.kind === 'dlq' ? [`${e.record.sourcePartition}:${e.record.headers['dlq-offset']}`] : []));
}

// What a dashboard sums, from the bank_metrics records the runner produced.
function metricTotals(cluster: FakeCluster): ReturnType<typeof windowTotals> {
  return windowTotals(cluster.outputs.flatMap((e) => (e.record.kind === 'metrics' ? (parseWindows(e.record.value) ?? []) : [])));
}

async function cleanRun(input: InputRecord[][], sendTurns = 0): Promise<FakeCluster> {
  const cluster = new FakeCluster();
  const runner = new StreamRunner(new FakePorts(cluster, seededRandom(99), sendTurns), runnerOptions());
  runner.assignmentChanged([0, 1, 2], true);
  await feed(runner, consume(input, cluster, [0, 1, 2]));
  await runner.close();
  return cluster;
}

// Processing does not wait for acknowledgements or end offsets; the store does, and the commit waits for it.
test('checkpoint order: every output of the records a snapshot covers acknowledged, then the snapshot stored, then the offset committed', async () => {
  const input = generate(7, 600);
  // Sends slower than a snapshot's encoding: the store must wait for them.
  const cluster = await cleanRun(input, 200);
  let saved: string[] = []; // the partitions stored since the latest commit, one at a time
  let checkpoints = 0;
  let outputsChecked = 0;
  for (const [i, e] of cluster.events.entries()) {
    const [kind, arg = ''] = e.split(' ');
    if (kind === 'save') {
      for (const part of arg.split(',')) {
        const [p, next] = part.split('@').map(BigInt) as [bigint, bigint];
        for (const o of cluster.landed) {
          if (BigInt(o.partition) !== p || o.offset >= next) continue;
          assert.ok(o.at < i, `snapshot ${part} stored before the output of offset ${o.offset} landed`);
          outputsChecked++;
        }
      }
      // One partition's snapshot at a time, the next once the previous one is stored.
      assert.ok(!arg.includes(','), `one snapshot per store, got ${arg}`);
      if (saved.length > 0) assert.equal(cluster.events.slice(0, i).findLast((x) => x.startsWith('save')), 'save-ack');
      saved.push(arg);
    } else if (kind === 'save-ack') {
      assert.notEqual(saved.length, 0);
    } else if (kind === 'commit') {
      assert.equal(arg, saved.join(','), 'commit offsets must be the stored snapshots\' nextOffsets');
      assert.equal(cluster.events[i - 1], 'save-ack', 'commit only after the snapshots are acknowledged');
      saved = [];
      checkpoints++;
    }
  }
  assert.ok(outputsChecked > 100, `only ${outputsChecked} outputs checked`);
  assert.ok(checkpoints >= 5, `only ${checkpoints} checkpoints`);
  const final = input.map((records, p) => cluster.committed.get(p) === BigInt(records.length));
  assert.deepEqual(final, [true, true, true], 'the final checkpoint commits the end of every partition');
});

test('crashes at random points: same alert ids, dead letters and metric totals as one uninterrupted run, nothing twice', async () => {
  await crashesAtRandomPoints(generate(11, 160), 20, 40);
});

test('crashes at random points while sends are slower than checkpoints: the same exactly-once totals', async () => {
  await crashesAtRandomPoints(generate(11, 160), 10, 20, undefined, 60);
});

// With many accounts and frequent checkpoints, checkpoints are deltas too, and restores go through chains.
test('crashes at random points with delta checkpoints: the same exactly-once totals', async () => {
  const clusters = await crashesAtRandomPoints(generate(13, 240, 40), 4, 12, 3);
  // How many checkpoints are deltas depends on how far processing got while the previous one was stored
  // (zlib encodes on its own thread, so a loaded machine makes fewer and larger checkpoints): counted
  // over every seed's run, not one.
  const seqs = clusters.flatMap((cluster) => [...cluster.snapshots.values()].flat().map((b) => (JSON.parse(b.toString('utf8')) as { seq: number }).seq));
  assert.ok(seqs.filter((seq) => seq > 0).length >= 3, `deltas were stored: ${seqs.join(',')}`);
});

// Each seed: a run killed three times at random points, then run to the end. Returns each seed's cluster.
// sendTurns: sends take at least this many turns, so that checkpoints are taken and encoded while the
// outputs of the records they cover are still on their way (and end offsets read ahead of them).
async function crashesAtRandomPoints(input: InputRecord[][], minCheckpointRecords: number, checkpointSpread: number, pauseEvery?: number, sendTurns = 0): Promise<FakeCluster[]> {
  const perPartition = (input[0] as InputRecord[]).length;
  const clean = await cleanRun(input);
  const expectedAlerts = alertIds(clean).sort();
  assert.ok(expectedAlerts.length > 40, `only ${expectedAlerts.length} alerts; the input should exercise the rules`);
  assert.equal(new Set(expectedAlerts).size, expectedAlerts.length);
  const expectedDlq = dlqOffsets(clean).sort();
  const expectedTotals = metricTotals(clean);
  assert.equal(expectedTotals.records, 3 * perPartition);

  const clusters: FakeCluster[] = [];
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const rand = seededRandom(seed);
    const cluster = new FakeCluster();
    clusters.push(cluster);
    let restarts = 0;
    for (let life = 0; ; life++) {
      const ports = new FakePorts(cluster, rand, sendTurns);
      const runner = new StreamRunner(ports, runnerOptions({ checkpointRecords: minCheckpointRecords + Math.floor(rand() * checkpointSpread) }));
      runner.assignmentChanged([0, 1, 2], true);
      const crashAfter = life < 3 ? Math.floor(rand() * 200) + 1 : Number.POSITIVE_INFINITY;
      const finished = await feed(runner, consume(input, cluster, [0, 1, 2]), crashAfter, pauseEvery);
      if (finished) {
        await runner.close();
        break;
      }
      // Let some replies arrive, then kill -9.
      for (let i = Math.floor(rand() * 6); i > 0; i--) await new Promise((r) => setImmediate(r));
      ports.die();
      restarts++;
    }
    assert.equal(restarts, 3);
    const ids = alertIds(cluster);
    assert.deepEqual([...new Set(ids)].sort(), expectedAlerts, `seed ${seed}: alert id set differs`);
    assert.equal(ids.length, expectedAlerts.length, `seed ${seed}: an alert was published twice`);
    assert.deepEqual([...new Set(dlqOffsets(cluster))].sort(), expectedDlq, `seed ${seed}: dead letters differ`);
    assert.deepEqual(metricTotals(cluster), expectedTotals, `seed ${seed}: metric totals differ`);
  }
  return clusters;
}

// Life 0 publishes alerts far ahead of any checkpoint and dies; life 1 restores, reads them back, and
// checkpoints before it has recomputed them all; life 2 restores from that checkpoint. The alerts life 0
// published for records after it must still be known to life 2 as published.
test('a checkpoint taken before the restore\'s read-back alerts are all recomputed keeps pointing at them', async () => {
  const input = generate(31, 120);
  const expected = alertIds(await cleanRun(input)).sort();
  const cluster = new FakeCluster();
  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 1));
  };

  const first = new FakePorts(cluster, seededRandom(1));
  const life0 = new StreamRunner(first, runnerOptions({ checkpointRecords: 1_000_000 }));
  life0.assignmentChanged([0, 1, 2], true);
  await feed(life0, consume(input, cluster, [0, 1, 2]));
  life0.caughtUp();
  await turns(50);
  first.die();
  assert.ok(alertIds(cluster).length > 0 && cluster.committed.size === 0, 'life 0 published alerts and checkpointed nothing');

  const second = new FakePorts(cluster, seededRandom(2));
  const life1 = new StreamRunner(second, runnerOptions({ checkpointRecords: 10 }));
  life1.assignmentChanged([0, 1, 2], true);
  await feed(life1, consume(input, cluster, [0, 1, 2]), 60);
  await turns(50);
  second.die();
  assert.ok(cluster.committed.size > 0, 'life 1 checkpointed');

  const life2 = new StreamRunner(new FakePorts(cluster, seededRandom(3)), runnerOptions());
  life2.assignmentChanged([0, 1, 2], true);
  await feed(life2, consume(input, cluster, [0, 1, 2]));
  await life2.close();
  const ids = alertIds(cluster);
  assert.deepEqual([...new Set(ids)].sort(), expected);
  assert.equal(ids.length, expected.length, 'an alert was published twice');
});

test('rebalance: the leaving owner checkpoints and stops, the new owner restores and continues; totals stay exact', async () => {
  const input = generate(23, 150);
  const clean = await cleanRun(input);
  const cluster = new FakeCluster();
  const rand = seededRandom(5);
  const a = new StreamRunner(new FakePorts(cluster, rand), runnerOptions());
  const b = new StreamRunner(new FakePorts(cluster, rand), runnerOptions());
  a.assignmentChanged([0, 1, 2], true);
  await feed(a, consume(input, cluster, [0, 1, 2]), 200);

  // B joins: the group rebalances. A stops, checkpoints, and keeps only partition 0.
  a.rebalanceStarted();
  // The rebalance checkpoint (snapshots encoded on zlib's thread) completes; the new assignment is not there yet.
  const committedSum = () => [0, 1, 2].reduce((sum, p) => sum + (cluster.committed.get(p) ?? 0n), 0n);
  for (const deadline = Date.now() + 5_000; committedSum() < 200n && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 5));
  const committedAtRebalance = [0, 1, 2].map((p) => cluster.committed.get(p));
  let released = false;
  const held = a.handle(input[1]?.[149] as InputRecord)?.then(() => (released = true));
  assert.ok(held instanceof Promise, 'no record may be processed during a rebalance');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(released, false);
  assert.deepEqual(a.assignmentChanged([0], false), [1, 2]);
  await held;
  assert.equal(committedAtRebalance.reduce((sum, o) => (sum ?? 0n) + (o ?? 0n), 0n), 200n, 'the rebalance checkpoint covers every record processed');
  assert.ok(!a.stats().owned.includes(1), 'a record of a revoked partition must not restart it');
  b.assignmentChanged([1, 2], false);
  assert.equal(a.stats().foreign, 1);

  await Promise.all([feed(a, consume(input, cluster, [0])), feed(b, consume(input, cluster, [1, 2]))]);
  await Promise.all([a.close(), b.close()]);
  assert.equal(b.stats().restores, 2, 'B starts partitions 1 and 2 from the snapshots A stored');
  assert.deepEqual([...new Set(alertIds(cluster))].sort(), alertIds(clean).sort());
  assert.equal(alertIds(cluster).length, alertIds(clean).length);
  assert.deepEqual(metricTotals(cluster), metricTotals(clean));
});

test('a fetch position past the restored state is sought back instead of skipping records', async () => {
  const input = generate(31, 60);
  const cluster = new FakeCluster();
  const first = new StreamRunner(new FakePorts(cluster, seededRandom(1)), runnerOptions({ checkpointRecords: 1000 }));
  first.assignmentChanged([0], true);
  await feed(first, input[0]?.slice(0, 30) ?? []);
  await first.close();
  assert.equal(cluster.committed.get(0), 30n);

  const seeks: Array<[number, bigint]> = [];
  const ports = new FakePorts(cluster, seededRandom(2));
  ports.seek = (p: number, o: bigint) => seeks.push([p, o]);
  const second = new StreamRunner(ports, runnerOptions());
  second.assignmentChanged([0], true);
  // A commit that got ahead of the snapshot (40 instead of 30): records 40.. arrive first.
  await feed(second, input[0]?.slice(40, 45) ?? []);
  assert.deepEqual(seeks[0], [0, 30n]);
  assert.equal(second.stats().processed, 0);
  await feed(second, input[0]?.slice(30) ?? []);
  await second.close();
  assert.equal(second.stats().processed, 30);
  assert.equal(cluster.committed.get(0), 60n);
});

test('acknowledged alerts reach the log and the console; unacknowledged ones do not', async () => {
  const input = generate(41, 80);
  const lines: string[] = [];
  const logged: unknown[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => logged.push(JSON.parse(s)) });
  const cluster = new FakeCluster();
  const ports = new FakePorts(cluster, seededRandom(3));
  const runner = new StreamRunner(ports, runnerOptions({ local: new LocalSinks({ logger, console: (l) => lines.push(l) }) }));
  runner.assignmentChanged([0], true);
  await feed(runner, input[0] ?? [], 70);
  ports.die();
  const published = new Set(alertIds(cluster));
  const consoleIds = lines.map((l) => /\[([^\]]+)\]$/.exec(l)?.[1]);
  const logIds = logged.flatMap((l) => (['alert', 'notification'].includes((l as { event?: string }).event ?? '') ? [(l as { alert: { id: string } }).alert.id] : []));
  assert.ok(consoleIds.length > 5);
  assert.deepEqual(consoleIds, logIds);
  for (const id of consoleIds) assert.ok(published.has(id as string), `${id} reported but not in the topic`);
  assert.equal(runner.stats().alerts + runner.stats().notifications, consoleIds.length);
});

test('idle partitions show their windows after idleShowMs of wall time, then checkpoint', async () => {
  let now = 1_000;
  const input = generate(51, 20);
  const cluster = new FakeCluster();
  const runner = new StreamRunner(new FakePorts(cluster, seededRandom(4)), runnerOptions({ idleShowMs: 500, checkpointRecords: 1000, now: () => now }));
  runner.assignmentChanged([0, 1], true);
  await feed(runner, input[0] ?? []);
  // Partition 1 has had dead letters only: no event time, so they wait for one (WindowAggregator.addDlq).
  await feed(runner, [record(0, '{"oops"', { partition: 1 }), record(1, '', { partition: 1 })]);
  assert.equal(runner.tick(), undefined, 'not idle yet');
  now += 600;
  const work = runner.tick();
  assert.ok(work instanceof Promise);
  await work;
  const totals = metricTotals(cluster);
  assert.equal(totals.records, 22, 'every window holding data was published, the waiting dead letters too');
  assert.equal(totals.dlq, runner.stats().dlq);
  assert.equal(cluster.committed.get(0), 20n);
  assert.equal(cluster.committed.get(1), 2n);
  assert.equal(runner.tick(), undefined, 'shown once per idle period');
  // Nothing was closed: the shutdown sends the same windows again, and they still add up to the input.
  await runner.close();
  assert.deepEqual(metricTotals(cluster), totals);
});

// With a backlog, a fetch response can fill up with other partitions' records: a partition whose records
// are not all fetched is not idle, however long it has had none.
test('a partition that looks idle but has records still to fetch shows its windows only once they are fetched', async () => {
  let now = 1_000;
  const cluster = new FakeCluster();
  const ports = new FakePorts(cluster, seededRandom(5));
  let behind: number[] = [1];
  const asked: number[][] = [];
  ports.backlogged = (partitions) => {
    asked.push([...partitions]);
    return Promise.resolve(partitions.filter((p) => behind.includes(p)));
  };
  const runner = new StreamRunner(ports, runnerOptions({ idleShowMs: 500, checkpointRecords: 1000, now: () => now }));
  runner.assignmentChanged([0, 1], true);
  const input = generate(52, 20);
  await feed(runner, [...(input[0] ?? []), ...(input[1] ?? [])]);
  // Records in the windows each partition published so far.
  const published = (p: number) =>
    cluster.outputs.flatMap((e) => (e.record.kind === 'metrics' ? (parseWindows(e.record.value) ?? []) : [])).filter((w) => w.partitions.includes(p)).reduce((n, w) => n + w.records, 0);
  assert.equal(runner.tick(), undefined, 'not idle yet');
  assert.deepEqual(asked, [], 'nobody asked while no partition looked idle');
  now += 600;
  await runner.tick();
  assert.deepEqual(asked, [[0, 1]]);
  assert.equal(published(0), input[0]?.length, 'partition 0 showed its windows');
  // The idle checkpoint sent everything pending: had partition 1 been shown too, all of it would be out.
  assert.ok(published(1) < (input[1]?.length ?? 0), 'partition 1, behind, showed nothing yet');
  now += 200;
  behind = [];
  await runner.tick();
  assert.deepEqual(asked.at(-1), [1], 'asked again for the partition still looking idle');
  assert.equal(published(1), input[1]?.length, 'once fetched up, partition 1 showed its windows');
  assert.equal(runner.tick(), undefined, 'shown once per idle period');
});

test('caught up: outputs go at once when no send is under way, else when the one under way is acknowledged', async () => {
  const sends: Array<{ records: OutputRecord[]; ack: () => void }> = [];
  const ports: RunnerPorts = {
    send: (records) => new Promise<void>((resolve) => sends.push({ records, ack: resolve })),
    loadSnapshot: () => Promise.resolve(null),
    emittedIds: () => Promise.resolve([]),
    outputEnds: (partitions) => Promise.resolve(new Map(partitions.map((p) => [p, { alerts: 0n }]))),
    saveSnapshots: () => Promise.resolve(),
    commit: () => Promise.resolve(),
  };
  const runner = new StreamRunner(ports, runnerOptions({ maxBatchRecords: 10_000, maxBatchBytes: 1 << 20, checkpointRecords: 10_000 }));
  runner.assignmentChanged([0], true);
  const input = generate(5, 60)[0] ?? [];
  await feed(runner, input.slice(0, 30));
  assert.equal(sends.length, 0, 'a batch is not full yet');
  runner.caughtUp();
  assert.equal(sends.length, 1, 'nothing under way: sent at once');
  await feed(runner, input.slice(30));
  runner.caughtUp();
  assert.equal(sends.length, 1, 'a send is under way: the new outputs wait for its acknowledgement');
  sends[0]?.ack();
  await new Promise(setImmediate);
  assert.equal(sends.length, 2, 'sent as soon as the first was acknowledged');
  assert.ok((sends[1]?.records.length ?? 0) > 0);
  sends[1]?.ack();
  await new Promise(setImmediate);
  runner.caughtUp();
  assert.equal(sends.length, 2, 'nothing left to send');
});

test('a send stays under maxBatchBytes and loses no window when windows fill it', async () => {
  const sends: OutputRecord[][] = [];
  const ports: RunnerPorts = {
    send: (records) => {
      sends.push(records);
      return Promise.resolve();
    },
    loadSnapshot: () => Promise.resolve(null),
    emittedIds: () => Promise.resolve([]),
    outputEnds: (partitions) => Promise.resolve(new Map(partitions.map((p) => [p, { alerts: 0n }]))),
    saveSnapshots: () => Promise.resolve(),
    commit: () => Promise.resolve(),
  };
  const maxBatchBytes = 1500;
  const runner = new StreamRunner(ports, runnerOptions({ maxBatchRecords: 10_000, maxBatchBytes, checkpointRecords: 10_000 }));
  runner.assignmentChanged([0, 1, 2], true);
  const input = generate(9, 80);
  const cluster = new FakeCluster();
  await feed(runner, consume(input, cluster, [0, 1, 2]));
  await runner.close();
  // What the runner counts a record as: framing allowance, key, value, header keys and values.
  const size = (r: OutputRecord) => 32 + (r.key?.length ?? 0) + (r.value?.length ?? 0) + Object.entries(r.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
  assert.ok(sends.length > 10, `windows filled ${sends.length} sends`);
  for (const batch of sends) {
    const bytes = batch.reduce((n, r) => n + size(r), 0);
    assert.ok(bytes <= maxBatchBytes || batch.length === 1, `a send of ${bytes} bytes`);
  }
  cluster.land(sends.flat());
  assert.equal(metricTotals(cluster).records, 3 * 80, 'every record counted in some window');
});
