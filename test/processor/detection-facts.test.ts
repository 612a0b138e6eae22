import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Simulator } from '../../src/bank/simulator.ts';
import { SIM_INCIDENT_HEADER } from '../../src/bank/transaction.ts';
import { detectionJson, isDetectionValue, parseDetection, type DetectionFacts } from '../../src/formats/detection.ts';
import { Backtest } from '../../src/processor/backtest.ts';
import { resolveConfig } from '../../src/processor/config.ts';
import { IncidentBoard } from '../../src/processor/incident-score.ts';
import { PartitionProcessor, type InputRecord } from '../../src/processor/partition-processor.ts';
import { decodeSnapshot, encodeSnapshot } from '../../src/processor/state.ts';
import { seededRandom } from '../helpers/random.ts';

const PARTITIONS = 3;
const WARMUP_SEC = 6 * 3600;
const config = resolveConfig({ overrides: [`scoreWarmupSec=${WARMUP_SEC}`] });

// Seeded simulator records spread over partitions by account, as the producer keys them.
function input(events: number): InputRecord[][] {
  const sim = new Simulator({ seed: 'facts', accounts: 300, fraudRate: 10_000, startMs: Date.UTC(2025, 0, 6) });
  const byPartition: InputRecord[][] = Array.from({ length: PARTITIONS }, () => []);
  for (let i = 0; i < events; i++) {
    const e = sim.nextEvent();
    let h = 0;
    for (const c of e.key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    const list = byPartition[h % PARTITIONS] as InputRecord[];
    list.push({ partition: h % PARTITIONS, offset: list.length, timestamp: e.atMs, key: Buffer.from(e.key), value: Buffer.from(JSON.stringify(e.value)), headers: Object.entries(e.headers) });
  }
  return byPartition;
}

function facts(records: readonly InputRecord[], p: PartitionProcessor): DetectionFacts[] {
  const out: DetectionFacts[] = [];
  for (const r of records) {
    const f = p.process(r).detection;
    if (f !== null) out.push(f);
  }
  const last = p.detectionSummary();
  if (last !== null) out.push(last);
  return out;
}

const byPartition = input(40_000);

test('partitions\' detection facts merge, in any order and with repeats, to the offline score of the same records', () => {
  const all = byPartition.flatMap((records, partition) => facts(records, new PartitionProcessor(partition, config)));
  const inOrder = new IncidentBoard();
  for (const f of all) inOrder.apply(f);

  const backtest = new Backtest([config], WARMUP_SEC * 1000);
  // The backtest reads partitions interleaved, each in offset order.
  const cursors = byPartition.map(() => 0);
  for (let left = true; left; ) {
    left = false;
    byPartition.forEach((records, p) => {
      const r = records[cursors[p] as number];
      if (r === undefined) return;
      cursors[p] = (cursors[p] as number) + 1;
      backtest.add(r);
      left = true;
    });
  }
  const offline = backtest.tables()[0];
  const live = inOrder.table();
  assert.deepEqual(live, offline);
  assert.ok(live.incidents >= 10 && live.detected > 0 && live.detected < live.incidents + 1, `a test with something to score: ${live.detected} of ${live.incidents} incidents`);
  assert.ok(live.cases > 0 && live.accounts > 0 && live.days > 0);
  assert.ok(Object.keys(live.byScenario).length >= 2);

  // Incidents whose records are in more than one partition: the merge is what joins them.
  const partitionsOf = new Map<string, Set<number>>();
  for (const f of all) if (f.incident !== null) partitionsOf.set(f.incident.id, (partitionsOf.get(f.incident.id) ?? new Set()).add(f.partition));
  assert.ok([...partitionsOf.values()].some((s) => s.size > 1), 'an incident spans partitions');

  // Shuffled, every fact twice, each through its JSON form: the same figures.
  const random = seededRandom(7);
  const shuffled = [...all, ...all].map((f) => ({ f, k: random() })).sort((a, b) => a.k - b.k).map(({ f }) => f);
  const merged = new IncidentBoard();
  for (const f of shuffled) {
    const bytes = detectionJson(f);
    assert.ok(isDetectionValue(bytes));
    merged.apply(parseDetection(bytes) as DetectionFacts);
  }
  assert.deepEqual(merged.table(), live);
});

test('a processor restored from a snapshot republishes facts that change nothing: the figures equal an uninterrupted run', async () => {
  const uninterrupted = new IncidentBoard();
  for (const [partition, records] of byPartition.entries()) for (const f of facts(records, new PartitionProcessor(partition, config))) uninterrupted.apply(f);

  const crashed = new IncidentBoard();
  for (const [partition, records] of byPartition.entries()) {
    const first = new PartitionProcessor(partition, config);
    const snapshotAt = Math.floor(records.length / 3);
    const crashAt = Math.floor((records.length * 2) / 3);
    let stored: Buffer | null = null;
    for (const [i, r] of records.entries()) {
      if (i === snapshotAt) stored = await encodeSnapshot(first.snapshot());
      if (i === crashAt) break; // kill -9: everything published so far stays published
      const f = first.process(r).detection;
      if (f !== null) crashed.apply(f);
    }
    const second = new PartitionProcessor(partition, config);
    second.restore(decodeSnapshot(stored as Buffer));
    for (const f of facts(records.slice(snapshotAt), second)) crashed.apply(f);
  }
  assert.deepEqual(crashed.table(), uninterrupted.table());
});

test('records without ground truth publish no facts', () => {
  const p = new PartitionProcessor(0, config);
  const records = (byPartition[0] as InputRecord[]).slice(0, 2000).map((r) => ({ ...r, headers: undefined }));
  for (const r of records) assert.equal(p.process(r).detection, null);
  assert.equal(p.detectionSummary(), null);
  // An incident header alone is not ground truth either: the label says what a record is.
  const q = new PartitionProcessor(0, config);
  for (const r of records.slice(0, 50)) assert.equal(q.process({ ...r, headers: [[SIM_INCIDENT_HEADER, 'x']] }).detection, null);
});
