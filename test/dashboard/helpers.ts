// Builders for the dashboard tests: windows as the processor's WindowAggregator makes them, alerts as
// makeAlert makes them, cases in the bank_cases format, and an event-stream reader over a real HTTP connection.
import http from 'node:http';
import type { TransactionType } from '../../src/bank/transaction.ts';
import { WindowAggregator, type WindowAggregate } from '../../src/processor/aggregates.ts';
import { makeAlert, type Alert, type RuleName, type Severity } from '../../src/processor/alert.ts';
import type { QualityCounters } from '../../src/processor/quality.ts';
import type { StreamMessage } from '../../src/dashboard/views.ts';
import type { Case } from '../../src/formats/case.ts';
import { T0, tx } from '../processor/helpers.ts';

export { T0 };

export interface TxSpec {
  type: TransactionType;
  cents: number;
  alerts?: Array<[RuleName, Severity]>;
  quality?: QualityCounters;
}

// One closed window of `partition` starting at `startMs` holding the given transactions (and dlq records).
export function makeWindow(partition: number, startMs: number, txs: TxSpec[], dlq: string[] = []): WindowAggregate {
  const agg = new WindowAggregator(partition, 1000, 0);
  txs.forEach((t, i) => {
    const alerts = (t.alerts ?? []).map(([rule, severity]) => makeAlert(txOf(`w-${partition}-${startMs}-${i}`), rule, severity, { observed: {}, threshold: {}, explanation: '' }));
    agg.addTransaction(startMs + (i % 1000), t.type, t.cents, alerts, t.quality ?? null);
  });
  for (const reason of dlq) agg.addDlq(startMs, reason, startMs);
  const [w] = agg.flush();
  if (w === undefined) throw new Error('empty window');
  return w;
}

function txOf(id: string) {
  return tx({ transactionId: id, balanceCents: 500 });
}

export function makeTestAlert(i: number, over: Partial<Alert> = {}): Alert {
  const base = makeAlert({ ...txOf(`tx-${i}`), timestampMs: T0 + i }, 'low_balance', 'HIGH', {
    observed: { balance_cents: 4_200 },
    threshold: { balance_cents: 10_000 },
    explanation: `balance 42.00 fell below 100.00 (alert ${i})`,
  });
  return { ...base, ...over };
}

export interface StreamClient {
  messages: Array<{ at: number; message: StreamMessage }>;
  headers: http.IncomingHttpHeaders;
  pause(): void; // stop reading, as a stalled tab would
  resume(): void;
  close(): void;
}

// Connects to /api/events and collects every message with its arrival time.
export function openStream(port: number): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/events', headers: { accept: 'text/event-stream' } }, (res) => {
      const messages: StreamClient['messages'] = [];
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data !== '') messages.push({ at: performance.now(), message: JSON.parse(data) as StreamMessage });
        }
      });
      res.on('error', () => undefined);
      resolve({ messages, headers: res.headers, pause: () => res.pause(), resume: () => res.resume(), close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A bank_cases record as src/processor/cases.ts publishes it; `i` makes the ids, score and times differ.
export function makeTestCase(i: number, over: Partial<Case> = {}): Case {
  return {
    case_id: `case:ACC-${i}:tx-${i}`,
    version: 1,
    account_id: `ACC-${i}`,
    customer_id: `CUST-${i}`,
    opened_ms: T0 + i * 1000,
    updated_ms: T0 + i * 1000,
    severity: 'HIGH',
    score: 0.8,
    rules: ['velocity'],
    alert_ids: [`tx-${i}:velocity`],
    linked_accounts: [],
    amount_at_risk_cents: 10_000 * i,
    status: 'open',
    source: { partition: 0 },
    ...over,
  };
}
