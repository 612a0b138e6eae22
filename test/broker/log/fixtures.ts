// Shared builders for the log tests: batches of known shape and ways to look inside what the log returns.

import assert from 'node:assert/strict';
import { buildRecordBatch, decodeRecords, splitBatches } from '../../../src/protocol/record-batch.ts';
import type { BatchHeader } from '../../../src/protocol/record-batch.ts';
import { DEFAULT_LOG_CONFIG } from '../../../src/broker/log/log-config.ts';
import type { LogConfig } from '../../../src/broker/log/log-config.ts';

export const T0 = 1_700_000_000_000;

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...overrides };
}

// `count` records; record i has timestamp (timestamps[i] ?? timestamp + i) and a value of valueSize bytes.
export function batch(count: number, opts: { timestamp?: number; timestamps?: number[]; valueSize?: number; tag?: string } = {}): Buffer {
  const timestamp = opts.timestamp ?? T0;
  const valueSize = opts.valueSize ?? 20;
  const records = Array.from({ length: count }, (_, i) => ({
    key: `k${i}`,
    value: Buffer.alloc(valueSize, `${opts.tag ?? 'v'}${i}`),
    timestamp: opts.timestamps?.[i] ?? timestamp + i,
  }));
  return buildRecordBatch({ records });
}

export function headersIn(buf: Buffer | null): BatchHeader[] {
  if (buf === null) return [];
  const r = splitBatches(buf);
  assert.ok(r.ok, 'the log returned invalid batches');
  return r.batches.map((b) => b.header);
}

export function offsetsIn(buf: Buffer | null): number[] {
  if (buf === null) return [];
  const r = splitBatches(buf);
  assert.ok(r.ok, 'the log returned invalid batches');
  return r.batches.flatMap((b) => decodeRecords(b.bytes).map((rec) => rec.offset));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
