// The account's recent transactions for a case view, read on demand from bank_alerts.
//
// Neither bank_cases nor the alerts carry the transactions around an incident, and the dashboard does not
// keep the transaction stream (that is the processor's job, at a rate the page never needs). So a case
// view reads them: the case's source partition (an account's transactions all go to one partition, keyed
// by account id), a bounded span of offsets ending a little after the case's newest alert, keeping the
// account's records. Bounded by offsets rather than time because record timestamps are whatever the
// producer set, while `maxRecords` is a known cost: at most that many records (a few MB) per view.
// Transactions of the account older than the span are not shown; the view says which offsets it read.
import type { Consumer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { TOPICS } from '../bank/transaction.ts';
import type { Alert } from '../formats/alert.ts';
import type { Case } from '../formats/case.ts';
import type { KafkaSecurity } from '../kafka-security.ts';
import { describeKafkaError } from '../kafka-errors.ts';
import { validate } from '../processor/validate.ts';
import { readerConsumer } from './topic-reader.ts';
import type { CaseDetailView, TransactionView } from './views.ts';

export interface TransactionLookupOptions {
  brokers: string[];
  security?: KafkaSecurity;
  clientId?: string;
  topic?: string;
  maxRecords?: number; // records read per lookup, at most
  afterRecords?: number; // of those, how many after the case's newest alert
  logger?: Logger;
}

export const DEFAULT_LOOKUP = { maxRecords: 20_000, afterRecords: 2_000 } as const;
const PARTITION_MAX_BYTES = 1 << 20;
const MAX_MESSAGE_BYTES = 1 << 20;

export type TransactionsView = CaseDetailView['transactions'];

export class TransactionLookup {
  private readonly consumer: Consumer;
  private readonly topic: string;
  private readonly maxRecords: number;
  private readonly afterRecords: number;
  private readonly logger: Logger | undefined;

  constructor(options: TransactionLookupOptions) {
    this.topic = options.topic ?? TOPICS.transactions;
    this.maxRecords = options.maxRecords ?? DEFAULT_LOOKUP.maxRecords;
    this.afterRecords = Math.min(options.afterRecords ?? DEFAULT_LOOKUP.afterRecords, this.maxRecords);
    this.logger = options.logger;
    this.consumer = readerConsumer({ clientId: options.clientId ?? 'buzzline-dashboard-lookup', brokers: options.brokers, security: options.security, maxWaitMs: 100, maxBytes: 8 << 20 });
  }

  // The account's transactions in the span ending `afterRecords` past the newest of the case's alerts
  // (their source offsets), newest first, at most `limit`. Errors are reported in the view, not thrown:
  // the case itself can still be shown.
  async around(c: Case, alerts: readonly Alert[], limit: number): Promise<TransactionsView> {
    const partition = c.source.partition;
    const view: TransactionsView = { partition, fromOffset: null, toOffset: null, scanned: 0, items: [], error: null };
    try {
      const metadata = await this.consumer.metadata({ topics: [this.topic], autocreateTopics: false });
      const t = metadata.topics.get(this.topic);
      const leader = t?.partitions[partition]?.leader;
      if (t === undefined || leader === undefined || leader < 0) throw new Error(`${this.topic} partition ${partition} has no leader`);
      const [earliest, latest] = await Promise.all([
        this.consumer.listOffsets({ topics: [this.topic], timestamp: -2n }),
        this.consumer.listOffsets({ topics: [this.topic], timestamp: -1n }),
      ]);
      const low = earliest.get(this.topic)?.[partition] ?? 0n;
      const high = latest.get(this.topic)?.[partition] ?? 0n;
      let anchor = -1n;
      for (const a of alerts) {
        if (a.source?.partition === partition && a.source.offset !== undefined && BigInt(a.source.offset) > anchor) anchor = BigInt(a.source.offset);
      }
      const end = anchor < 0n ? high : min(high, anchor + 1n + BigInt(this.afterRecords));
      const start = max(low, end - BigInt(this.maxRecords));
      view.fromOffset = String(start);
      view.toOffset = String(end);
      const found: TransactionView[] = [];
      let next = start;
      while (next < end) {
        const response = await this.consumer.fetch({
          node: leader,
          topics: [{ topicId: t.id, partitions: [{ partition, fetchOffset: next, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: PARTITION_MAX_BYTES }] }],
          maxWaitTime: 100,
        });
        const p = response.responses[0]?.partitions[0];
        if (p === undefined) break;
        if (p.errorCode !== 0) throw new Error(`fetch of ${this.topic} partition ${partition} failed with error code ${p.errorCode}`);
        const before = next;
        for (const batch of p.records ?? []) {
          for (const record of batch.records) {
            const offset = batch.firstOffset + BigInt(record.offsetDelta);
            if (offset < next || offset >= end) continue;
            next = offset + 1n;
            view.scanned++;
            const result = validate(record.value, { partition, offset, timestampMs: Number(batch.firstTimestamp + record.timestampDelta) }, MAX_MESSAGE_BYTES);
            if (!result.ok || result.tx.accountId !== c.account_id) continue;
            const tx = result.tx;
            found.push({
              transactionId: tx.transactionId, timestampMs: tx.timestampMs, type: tx.type, amountCents: tx.amountCents, balanceCents: tx.balanceCents,
              currency: tx.currency, channel: tx.channel, counterpartyId: tx.counterpartyId, merchantCategory: tx.merchantCategory, status: tx.status, offset: tx.offset,
            });
          }
        }
        // Nothing new: the rest of the span is gone (compacted away or a transaction aborted there).
        if (next === before) break;
      }
      view.items = found.reverse().slice(0, limit);
    } catch (error) {
      view.error = describeKafkaError(error);
      this.logger?.warn({ err: view.error, case: c.case_id }, 'dashboard: reading the account\'s transactions failed');
    }
    return view;
  }

  async close(): Promise<void> {
    await this.consumer.close().catch(() => undefined);
  }
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
