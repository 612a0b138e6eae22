// Hand-made labelled records for the analysis tests: a v1-shaped message by default, with any v2 field or
// header given per record, at a time given in minutes from a fixed start.

import type { LabelledRecord, RecordValue } from '../../src/analysis/event-table.ts';
import type { SimulatorOptions } from '../../src/bank/simulator.ts';
import * as transaction from '../../src/bank/transaction.ts';

// A fraud level that gives plenty of incidents on either simulator: v1 takes a share of events, v2 (the
// one that declares the sim-incident header) a number of incidents per 1,000 customers per year or its
// 'demo' level.
export const HIGH_FRAUD = ('SIM_INCIDENT_HEADER' in transaction ? 'demo' : 0.01) as NonNullable<SimulatorOptions['fraudRate']>;

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
