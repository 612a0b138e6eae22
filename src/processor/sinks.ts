// Where the processor's results go. One PartitionProcessor result becomes Kafka records (an alert for
// bank_alerts_high, a customer notification for bank_notifications, in the alert format, a bad record for
// bank_alerts_dlq, closed windows for bank_metrics) and, once those records are acknowledged, local
// lines: the alert or notification in logs/banking_consumer.log and on the console (the low_balance
// notification is the seed's HIGH alert line).
//
// Local lines are written on acknowledgement, not on processing, so that the log and the console say what
// the topic says: an alert computed but lost in a crash is not logged, and its recomputation after the
// restart (see docs/processor.md) is logged once, when it is really published.
//
// Routing: every output record of source partition P goes to partition P mod N of its topic. With the
// topics created with the source's partition count (the processor does that when they are missing) that is
// partition P itself, so one source partition's outputs stay in order in one place, and reading back what
// was produced for P after a restart (state.ts, snapshot-store.ts) means reading one partition.
import type { Logger } from 'pino';
import { alertJson } from '../formats/alert.ts';
import { caseJson, caseUpdateId, type Case } from '../formats/case.ts';
import { detectionJson, type DetectionFacts } from '../formats/detection.ts';
import type { WindowArray } from '../formats/metrics-window.ts';
import type { Alert } from './alert.ts';
import { DLQ_HEADERS, type DlqRecord } from './partition-processor.ts';

// Headers the processor adds to what it produces, so that a restarted processor can find its own alerts
// again (a group's alerts, of one source partition) without parsing every value, and so that several
// consumer groups can share the output topics.
export const OUTPUT_HEADERS = {
  group: 'processor-group',
  sourcePartition: 'source-partition',
  // The offset of the source record whose processing produced it: a restore reads back only the outputs
  // of records after its snapshot (checkpoints.ts).
  sourceOffset: 'source-offset',
  alertId: 'alert-id',
} as const;

export type OutputKind = 'alert' | 'notification' | 'case' | 'dlq' | 'metrics';

// A record to produce, before topic routing. Values are already serialized: JSON for alerts and metrics,
// the original bytes for the DLQ.
export interface OutputRecord {
  kind: OutputKind;
  sourcePartition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  alert?: Alert; // an alert's or a notification's, kept for the local sinks, reported once acknowledged
  case?: Case; // likewise for a case update
  windows?: number; // how many windows a metrics record holds
}

export function alertRecord(alert: Alert, group: string, kind: 'alert' | 'notification' = 'alert'): OutputRecord {
  return {
    kind,
    sourcePartition: alert.source.partition,
    key: Buffer.from(alert.account_id),
    value: alertJson(alert),
    headers: {
      [OUTPUT_HEADERS.group]: group,
      [OUTPUT_HEADERS.sourcePartition]: String(alert.source.partition),
      [OUTPUT_HEADERS.sourceOffset]: String(alert.source.offset),
      [OUTPUT_HEADERS.alertId]: alert.id,
    },
    alert,
  };
}

// A case update for bank_cases, key = account id, made by the source record at sourceOffset; its
// `alert-id` header is the update's id (`<case id>@<version>`), so the restore reads it back like an alert's.
export function caseRecord(c: Case, group: string, sourceOffset: bigint | number): OutputRecord {
  return {
    kind: 'case',
    sourcePartition: c.source.partition,
    key: Buffer.from(c.account_id),
    value: caseJson(c),
    headers: {
      [OUTPUT_HEADERS.group]: group,
      [OUTPUT_HEADERS.sourcePartition]: String(c.source.partition),
      [OUTPUT_HEADERS.sourceOffset]: String(sourceOffset),
      [OUTPUT_HEADERS.alertId]: caseUpdateId(c),
    },
    case: c,
  };
}

export function dlqRecord(dlq: DlqRecord, sourcePartition: number, group: string): OutputRecord {
  return {
    kind: 'dlq',
    sourcePartition,
    key: dlq.key,
    value: dlq.value,
    headers: { ...dlq.headers, [OUTPUT_HEADERS.group]: group, [OUTPUT_HEADERS.sourcePartition]: String(sourcePartition) },
  };
}

// Record framing in a batch (length, attributes, varints) plus slack, so that the estimate stays above
// what the producer really sends.
export const RECORD_OVERHEAD_BYTES = 32;

// What one output adds to a send: key, value, header names and values, and framing.
export function outputRecordBytes(r: OutputRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const k in r.headers) bytes += Buffer.byteLength(k) + Buffer.byteLength(r.headers[k] ?? '');
  return bytes;
}

// A dead letter is the bad record as it came, which can be as large as the source topic allows (its
// max.message.bytes may be far above the DLQ topic's), and the DLQ's own headers come on top. One that
// would not fit maxBytes keeps only the first bytes of its value that do, and says so in its headers
// (the original's size, `truncated`); when not even the headers leave room, the value is left out and
// the headers point at the original (`reference`: dlq-topic, dlq-partition, dlq-offset). Either way the
// record is dead-lettered once and processing goes on.
export function fitDeadLetter(r: OutputRecord, maxBytes: number): OutputRecord {
  if (outputRecordBytes(r) <= maxBytes) return r;
  const originalSize = String(r.value?.length ?? 0);
  const truncated = deadLetterWithValue(r, originalSize, 'truncated', Buffer.alloc(0));
  const room = maxBytes - outputRecordBytes(truncated);
  if (room <= 0) return deadLetterByReference(r);
  // A copy: a view would keep the whole original in memory for as long as the dead letter lives.
  return { ...truncated, value: Buffer.from((r.value ?? Buffer.alloc(0)).subarray(0, room)) };
}

// The dead letter without its value, for a DLQ topic that refused even the truncated one.
export function deadLetterByReference(r: OutputRecord): OutputRecord {
  const originalSize = r.headers[DLQ_HEADERS.originalSize] ?? String(r.value?.length ?? 0);
  return deadLetterWithValue(r, originalSize, 'reference', Buffer.alloc(0));
}

function deadLetterWithValue(r: OutputRecord, originalSize: string, stored: 'truncated' | 'reference', value: Buffer): OutputRecord {
  return { ...r, value, headers: { ...r.headers, [DLQ_HEADERS.originalSize]: originalSize, [DLQ_HEADERS.valueStored]: stored } };
}

// Closed windows of one source partition, oldest first, as one bank_metrics record: a JSON array (see
// src/formats/metrics-window.ts), keyed by source partition, as the dashboard merges windows per (partition,
// windowStartMs). One record per partition and send rather than one per window: with the default
// settings nearly every input record closes a window, and per record the Kafka client's work is most of
// what a window costs. The runner keeps a send's bytes under the broker's message size limit. Takes the
// windows out of `windows`, which can then be filled again.
export function metricsRecord(windows: WindowArray, sourcePartition: number, group: string): OutputRecord {
  const count = windows.count;
  return {
    kind: 'metrics',
    sourcePartition,
    key: partitionKey(sourcePartition),
    value: windows.take(),
    headers: { [OUTPUT_HEADERS.group]: group },
    windows: count,
  };
}

// A source partition's detection facts (src/formats/detection.ts) as a bank_metrics record of its own,
// keyed like its windows.
export function detectionRecord(facts: DetectionFacts, group: string): OutputRecord {
  return {
    kind: 'metrics',
    sourcePartition: facts.partition,
    key: partitionKey(facts.partition),
    value: detectionJson(facts),
    headers: { [OUTPUT_HEADERS.group]: group },
  };
}

// Metrics keys are shared between records: nothing writes to a record's key once it is made.
const partitionKeys: Buffer[] = [];

function partitionKey(partition: number): Buffer {
  if (partition < 0 || partition >= 1024 || !Number.isInteger(partition)) return Buffer.from(String(partition));
  return (partitionKeys[partition] ??= Buffer.from(String(partition)));
}

export function routePartition(sourcePartition: number, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) throw new RangeError(`partition count must be a positive integer, got ${partitionCount}`);
  return sourcePartition % partitionCount;
}

// One line a person can read: when, how bad, which rule, whose account, why, the transaction's risk
// score (fraud alerts), and the id to look it up.
export function formatAlertLine(alert: Alert): string {
  const risk = alert.risk_score > 0 ? ` (risk ${alert.risk_score.toFixed(2)})` : '';
  return `ALERT ${alert.timestamp} ${alert.severity.padEnd(8)} ${alert.rule.padEnd(12)} ${alert.account_id} ${alert.explanation}${risk} [${alert.id}]`;
}

export interface LocalSinkOptions {
  logger: Logger;
  console?: ((line: string) => void) | undefined; // undefined: no console lines
}

// The log and the console, fed with acknowledged records.
export class LocalSinks {
  private readonly logger: Logger;
  private readonly console: ((line: string) => void) | undefined;

  constructor(options: LocalSinkOptions) {
    this.logger = options.logger;
    this.console = options.console;
  }

  acknowledged(records: readonly OutputRecord[]): void {
    for (const r of records) {
      if (r.alert !== undefined) {
        // event 'alert' or 'notification'; the record keeps the field name alert either way.
        this.logger.info({ event: r.kind, alert: r.alert }, formatAlertLine(r.alert));
        this.console?.(formatAlertLine(r.alert));
      } else if (r.case !== undefined) {
        const c = r.case;
        this.logger.info({ event: 'case', case: c }, `CASE ${c.severity} score ${c.score} ${c.account_id} ${c.rules.join('+')} [${caseUpdateId(c)}]`);
      } else if (r.kind === 'dlq') {
        const stored = r.headers[DLQ_HEADERS.valueStored];
        const note = stored === undefined ? '' : ` (value ${stored}, ${r.headers[DLQ_HEADERS.originalSize] ?? '?'} bytes originally)`;
        this.logger.warn({ event: 'dlq', headers: r.headers }, `dead letter: ${r.headers[DLQ_HEADERS.reason] ?? '?'}${note}`);
      }
    }
  }
}
