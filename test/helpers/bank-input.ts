// Input for the processor's integration tests: seeded simulator events with malformed records mixed in at
// seeded positions, produced the way `buzzline produce` does (key = account_id, murmur2 partitioning,
// sim-label and sim-incident headers), plus readers for what the processor wrote back, split by consumer group.

import { compatibilityPartitioner, Consumer, noopSerializer, Producer } from '@platformatic/kafka';
import { Simulator } from '../../src/bank/simulator.ts';
import { parseWindows } from '../../src/formats/metrics-window.ts';
import { SIM_LABEL_HEADER, TOPICS } from '../../src/bank/transaction.ts';
import type { WindowAggregate } from '../../src/processor/aggregates.ts';
import type { Alert } from '../../src/processor/alert.ts';
import { parseCase, type Case } from '../../src/formats/case.ts';
import { CASES_TOPIC, NOTIFICATIONS_TOPIC } from '../../src/processor/consumer.ts';
import { OUTPUT_HEADERS } from '../../src/processor/sinks.ts';
import { fetchAll, type FetchedRecord } from './fetch-all.ts';

// One malformed value per DLQ reason the validator knows, each with the reason it must get.
export const MALFORMED: ReadonlyArray<{ reason: string; value: Buffer }> = [
  { reason: 'bad_json', value: Buffer.from('{"oops"') },
  { reason: 'bad_json', value: Buffer.from([0xff, 0xfe, 0x7b]) },
  { reason: 'not_object', value: Buffer.from('[1,2]') },
  { reason: 'missing_field', value: Buffer.from('{"account_id":"A-1","transaction_type":"deposit"}') },
  { reason: 'unknown_type', value: Buffer.from('{"account_id":"A-1","transaction_type":"refund","amount":1}') },
  { reason: 'bad_amount', value: Buffer.from('{"account_id":"A-1","transaction_type":"deposit","amount":-5}') },
  { reason: 'bad_amount', value: Buffer.from('{"account_id":"A-1","transaction_type":"deposit","amount":NaN}') },
  { reason: 'wrong_type', value: Buffer.from('{"account_id":7,"transaction_type":"deposit","amount":5}') },
  { reason: 'empty', value: Buffer.alloc(0) },
  { reason: 'oversize', value: Buffer.from(JSON.stringify({ account_id: 'A-1', transaction_type: 'deposit', amount: 1, pad: 'x'.repeat(70_000) })) },
  { reason: 'bad_timestamp', value: Buffer.from('{"transaction_id":"x1","timestamp":"yesterday","account_id":"A-1","transaction_type":"deposit","amount":1}') },
  { reason: 'invalid_field', value: Buffer.from('{"transaction_id":"x1","account_id":"A-1","transaction_type":"deposit","amount":1,"channel":"pigeon"}') },
];

export interface InputMessage {
  key: Buffer;
  value: Buffer;
  headers: Map<Buffer, Buffer>;
  badReason: string | null; // the DLQ reason a malformed record must get
  type: string | null; // transaction_type of a valid one
  amountCents: number;
}

export function bankInput(options: { seed: string; total: number; malformed: number; accounts?: number }): InputMessage[] {
  const sim = new Simulator({ seed: options.seed, accounts: options.accounts ?? 500, fraudRate: 1500, startMs: Date.UTC(2025, 0, 6) });
  const events = sim.take(options.total - options.malformed);
  const out: InputMessage[] = events.map((e) => ({
    key: Buffer.from(e.key),
    value: Buffer.from(JSON.stringify(e.value)),
    // The simulator's ground truth: sim-label, and sim-incident on an incident's records.
    headers: new Map(Object.entries({ [SIM_LABEL_HEADER]: e.label, ...e.headers }).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
    badReason: null,
    type: e.value.transaction_type,
    amountCents: Math.round(e.value.amount * 100),
  }));
  // Spread evenly with a seeded jitter, so that every part of the run (and every crash window) has some.
  const step = Math.floor(options.total / options.malformed);
  for (let i = 0; i < options.malformed; i++) {
    const bad = MALFORMED[i % MALFORMED.length] as { reason: string; value: Buffer };
    const at = Math.min(out.length, i * step + ((i * 7919) % step));
    out.splice(at, 0, { key: Buffer.from(`bad-${i}`), value: bad.value, headers: new Map(), badReason: bad.reason, type: null, amountCents: 0 });
  }
  return out;
}

export function inputProducer(bootstrap: string): Producer<Buffer, Buffer, Buffer, Buffer> {
  return new Producer({
    clientId: 'test-input',
    bootstrapBrokers: [bootstrap],
    serializers: { key: noopSerializer, value: noopSerializer, headerKey: noopSerializer, headerValue: noopSerializer },
    partitioner: compatibilityPartitioner,
    acks: -1,
    retries: 3,
  });
}

// Sends in batches; pauseMs between batches spreads the input over time (for crashes "during the run").
export async function produceInput(producer: Producer<Buffer, Buffer, Buffer, Buffer>, input: readonly InputMessage[], options: { batch?: number; pauseMs?: number; topic?: string } = {}): Promise<void> {
  const batch = options.batch ?? 1000;
  const topic = options.topic ?? TOPICS.transactions;
  await producer.metadata({ topics: [topic], autocreateTopics: true });
  for (let i = 0; i < input.length; i += batch) {
    await producer.send({ messages: input.slice(i, i + batch).map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })) });
    if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
  }
}

function header(r: FetchedRecord, name: string): string | undefined {
  for (const [k, v] of r.headers) if (k !== null && k.toString('utf8') === name) return v === null ? '' : v.toString('utf8');
  return undefined;
}

export interface GroupOutputs {
  alertIds: string[]; // in topic order, duplicates kept
  alerts: Alert[];
  notificationIds: string[];
  cases: Case[]; // every publication, in topic order
  dlq: Array<{ reason: string; partition: string; offset: string; key: string }>;
  windows: WindowAggregate[];
}

export async function readOutputs(bootstrap: string, group: string): Promise<GroupOutputs> {
  const ofGroup = async (topic: string) => [...(await fetchAll(bootstrap, topic, { partitionMaxBytes: 8 << 20 })).values()].flat().filter((r) => header(r, OUTPUT_HEADERS.group) === group);
  const alerts = (await ofGroup(TOPICS.alerts)).map((r) => JSON.parse(String(r.value)) as Alert);
  const dlq = (await ofGroup(TOPICS.deadLetters)).map((r) => ({
    reason: header(r, 'dlq-reason') ?? '',
    partition: header(r, 'dlq-partition') ?? '',
    offset: header(r, 'dlq-offset') ?? '',
    key: r.key === null ? '' : r.key.toString('utf8'),
  }));
  const windows = (await ofGroup(TOPICS.metrics)).flatMap((r) => parseWindows(r.value) ?? []);
  const notificationIds = (await ofGroup(NOTIFICATIONS_TOPIC)).map((r) => (JSON.parse(String(r.value)) as Alert).id);
  const cases = (await ofGroup(CASES_TOPIC)).map((r) => parseCase(r.value)).filter((c) => c !== null);
  return { alertIds: alerts.map((a) => a.id), alerts, notificationIds, cases, dlq, windows };
}

// What a dashboard sums: the largest version of each (partition, window start), since a window sent again
// after a restart or a shutdown flush is the same or a superset.
export function windowTotals(windows: readonly WindowAggregate[]): { records: number; valid: number; dlq: number; byType: Record<string, { count: number; sumCents: number }> } {
  const best = new Map<string, WindowAggregate>();
  for (const w of windows) {
    const key = `${w.partitions.join(',')}/${w.windowStartMs}`;
    const seen = best.get(key);
    if (seen === undefined || w.records >= seen.records) best.set(key, w);
  }
  const totals = { records: 0, valid: 0, dlq: 0, byType: {} as Record<string, { count: number; sumCents: number }> };
  for (const w of best.values()) {
    totals.records += w.records;
    totals.valid += w.valid;
    totals.dlq += w.dlq;
    for (const [type, s] of Object.entries(w.byType)) {
      const t = (totals.byType[type] ??= { count: 0, sumCents: 0 });
      t.count += s?.count ?? 0;
      t.sumCents += s?.sumCents ?? 0;
    }
  }
  return totals;
}

export function inputTotals(input: readonly InputMessage[]): ReturnType<typeof windowTotals> {
  const totals = { records: input.length, valid: 0, dlq: 0, byType: {} as Record<string, { count: number; sumCents: number }> };
  for (const m of input) {
    if (m.type === null) {
      totals.dlq++;
      continue;
    }
    totals.valid++;
    const t = (totals.byType[m.type] ??= { count: 0, sumCents: 0 });
    t.count++;
    t.sumCents += m.amountCents;
  }
  return totals;
}

// Sum over partitions of (end offset - committed offset) for a group; reads without joining it.
// The group's committed offset per partition of the topic (-1 where nothing is committed), with each
// partition's end offset.
export async function groupOffsets(bootstrap: string, group: string, topic: string = TOPICS.transactions): Promise<Array<{ committed: bigint; end: bigint }>> {
  const consumer = new Consumer({ clientId: 'test-lag', groupId: group, bootstrapBrokers: [bootstrap], retries: 2 });
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const committed = (await consumer.listCommittedOffsets({ topics: [{ topic, partitions: ends.map((_, i) => i) }] })).get(topic) ?? [];
    return ends.map((end, i) => ({ committed: committed[i] ?? -1n, end }));
  } finally {
    await consumer.close();
  }
}

export async function groupLag(bootstrap: string, group: string, topic: string = TOPICS.transactions): Promise<bigint> {
  let lag = 0n;
  for (const { committed, end } of await groupOffsets(bootstrap, group, topic)) lag += end - (committed < 0n ? 0n : committed);
  return lag;
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
