// One bank across restarts. The bank is its seed and the options that shape its population and stream
// (accounts, fraud rate, simulated start); those, and the clock shift (below), are kept in a small JSON
// file in the working directory (default ./data/bank.json), written atomically. A restart rebuilds the
// bank by replaying the simulator from the seed to the number of events already produced (the simulator
// makes ~600k events/s), so customers, balances and the calendar carry over, and then continues it.
//
// How many events were produced is read from the broker, not trusted to the file: the highest sequence
// number among this bank's transaction ids (`tx-<8 hex>-<10 digits>`) at the end of each partition, + 1.
// That is exact after a kill -9 too, whatever was in flight: a batch the broker wrote is counted, one it
// never got is generated again. The file's own count (written after acknowledgements) is a lower bound,
// used when the topic holds nothing of this bank (a new broker, a deleted topic).
//
// The clock: events carry simulated time + shiftMs. On every start the shift becomes large enough that
// the next event is not earlier than the wall clock (nor than the bank's last event), so after a downtime
// the bank resumes at the present and its own calendar (payroll days, hours of activity) runs behind the
// wall calendar by the total downtime. The shift only grows, so no account's event time ever goes back.

import fs from 'node:fs';
import path from 'node:path';
import { Consumer } from '@platformatic/kafka';
import { TopicReader } from '../processor/kafka-io.ts';
import { ConfigError } from './config.ts';
import type { ProducerConfig } from './config.ts';

export interface BankState {
  version: 1;
  seed: string;
  accounts: number;
  fraudRate: number | 'demo';
  startMs: number; // simulated start
  shiftMs: number; // added to simulated time on the wire
  produced: number; // events acknowledged by the broker, a lower bound of the events produced
  updatedAt: string;
}

export interface BankPlan {
  seed: string;
  accounts: number;
  fraudRate: number | 'demo';
  startMs: number;
  resumed: BankState | undefined; // the stored bank this run continues
  why: string; // one line for the log and the terminal
}

export function readBankState(file: string): BankState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read the bank state ${file}: ${(error as Error).message}`);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    state = undefined;
  }
  const s = state as Partial<BankState> | undefined;
  const count = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (s?.version !== 1 || typeof s.seed !== 'string' || s.seed === '' || !count(s.accounts) || (s.accounts as number) < 1
    || (typeof s.fraudRate !== 'number' && s.fraudRate !== 'demo') || !Number.isFinite(s.startMs) || !Number.isFinite(s.shiftMs) || !count(s.produced)) {
    throw new ConfigError(`the bank state ${file} is damaged; move it away, or pass --new-bank to start a new bank there`);
  }
  return s as BankState;
}

// Written to a temporary file and renamed over the old one, so a crash leaves either version whole.
export function writeBankState(file: string, state: BankState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

// Which bank this run is: the stored one, unless --new-bank or another --seed asks for a new one. Other
// options that would change the stored bank's population or stream are refused rather than silently
// ignored or silently starting over.
export function planBank(config: ProducerConfig, stored: BankState | undefined, file: string): BankPlan {
  const fresh = (why: string): BankPlan => ({ seed: config.seed, accounts: config.accounts, fraudRate: config.fraudRate, startMs: config.startMs, resumed: undefined, why });
  if (config.newBank) return fresh(`new bank (--new-bank), seed ${config.seed}`);
  if (stored === undefined) return fresh(`new bank, seed ${config.seed} (state in ${file})`);
  if (config.given.seed && config.seed !== stored.seed) return fresh(`new bank: seed ${config.seed} instead of ${stored.seed} (state in ${file})`);
  const conflicts: string[] = [];
  if (config.given.accounts && config.accounts !== stored.accounts) conflicts.push(`${config.given.accounts} makes ${config.accounts.toLocaleString('en-US')} accounts, the bank has ${stored.accounts.toLocaleString('en-US')}`);
  if (config.given.fraudRate && config.fraudRate !== stored.fraudRate) conflicts.push(`${config.given.fraudRate}, the bank has ${stored.fraudRate}`);
  if (config.given.start && config.startMs !== stored.startMs) conflicts.push(`${config.given.start}, the bank started at ${new Date(stored.startMs).toISOString()}`);
  if (conflicts.length > 0) {
    throw new ConfigError(`the bank in ${file} (seed ${stored.seed}) cannot continue with these options: ${conflicts.join('; ')}. `
      + 'Drop them to continue that bank, or pass --new-bank to start a new one');
  }
  return { seed: stored.seed, accounts: stored.accounts, fraudRate: stored.fraudRate, startMs: stored.startMs, resumed: stored, why: `continuing the bank in ${file}, seed ${stored.seed}` };
}

// How many of the bank's events the topic holds: the highest sequence number among transaction ids with
// `idPrefix` in the last `tail` records of each partition, + 1 (0 when there are none). Batches retried
// out of order land at most a few in-flight windows after newer ones, which `tail` must cover.
export async function producedOnBroker(brokers: string[], topic: string, idPrefix: string, tail: number): Promise<number> {
  const consumer = new Consumer({ clientId: 'buzzline-producer-resume', groupId: 'buzzline-producer-resume-unused', bootstrapBrokers: brokers, retries: 1, retryDelay: 250, connectTimeout: 5000 });
  const reader = new TopicReader(consumer);
  const marker = Buffer.from(`"transaction_id":"${idPrefix}`);
  let highest = -1;
  try {
    const partitions = await reader.partitionCount(topic);
    for (let p = 0; p < partitions; p++) {
      const { start, end } = await reader.bounds(topic, p);
      const from = end - BigInt(tail) > start ? end - BigInt(tail) : start;
      await reader.read(topic, p, from, end, (r) => {
        const at = r.value?.indexOf(marker) ?? -1;
        if (at < 0 || r.value === null) return;
        const digits = r.value.toString('latin1', at + marker.length, at + marker.length + 10);
        if (/^\d{10}$/.test(digits)) highest = Math.max(highest, Number(digits));
      });
    }
  } finally {
    await consumer.close().catch(() => undefined);
  }
  return highest + 1;
}
