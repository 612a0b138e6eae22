// Hand-made labelled records for the analysis tests: a v1-shaped message by default, with any v2 field or
// header given per record, at a time given in minutes from a fixed start.

import type { LabelledRecord, RecordValue } from '../../src/analysis/event-table.ts';
import type { SimulatorOptions } from '../../src/bank/simulator.ts';

// A fraud level (incidents per 1,000 customers per year) that gives a few dozen incidents in the small
// streams of the tests.
export const HIGH_FRAUD: NonNullable<SimulatorOptions['fraudRate']> = 2000;

export const T0 = Date.UTC(2025, 0, 6);

export interface RecordSpec extends Partial<Omit<RecordValue, 'timestamp'>> {
  minute?: number; // minutes after T0 (fractions allowed)
  label?: string;
  incident?: string;
}

export function record(spec: RecordSpec): LabelledRecord {
  const { minute = 0, label = 'normal', incident, ...fields } = spec;
  const value: RecordValue = {
    account_id: 'CHK-0000001',
    customer_id: 'CUST-00001',
    transaction_type: 'withdraw',
    amount: 10,
    balance: 1000,
    channel: 'card',
    ...fields,
    timestamp: new Date(T0 + minute * 60_000).toISOString(),
  };
  return incident === undefined ? { value, label, headers: { 'sim-label': label } } : { value, label, headers: { 'sim-label': label, 'sim-incident': incident } };
}
