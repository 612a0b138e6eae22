// A labelled simulator stream held as columns (typed arrays plus interned strings), so the realism
// statistics and the standing model baseline can walk 500,000+ events several times without keeping half
// a gigabyte of event objects alive.
//
// Built against the bank_alerts message contract v2 (issues 15 and 16): every v2 field (counterparty_id, merchant_category, status, decline_reason, channel `p2p`)
// and the `sim-incident` header are optional and detected per record, so the same code reads simulator v1
// (none of them) and v2. When a stream carries no incident ids (v1), incidents are inferred: a customer's
// records of one fraud scenario belong to one incident until INFERRED_INCIDENT_GAP_MS passes without one.

import { HOUR_MS } from '../bank/calendar.ts';
import { SIM_INCIDENT_HEADER } from '../bank/transaction.ts';

export const INFERRED_INCIDENT_GAP_MS = 12 * HOUR_MS;

// What the analysis reads from a stream record: the simulator's SimEvent satisfies it, and so does a record
// read back from the topic (payload, `sim-label` header as label, other headers).
export interface LabelledRecord {
  readonly value: RecordValue;
  readonly label: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly incident?: string; // simulator v2 exposes the `sim-incident` header here as well
}

export interface RecordValue {
  readonly timestamp: string;
  readonly account_id: string;
  readonly customer_id: string;
  readonly transaction_type: string;
  readonly amount: number;
  readonly balance: number;
  readonly channel: string;
  readonly counterparty_id?: string | null;
  readonly merchant_category?: string | null;
  readonly status?: string | null;
  readonly decline_reason?: string | null;
}

// Interns strings to small integers; id 0 is the field being absent (or the name given for it).
export class Dictionary {
  readonly values: string[];
  readonly #ids: Map<string, number>;

  constructor(absent = '') {
    this.values = [absent];
    this.#ids = new Map([[absent, 0]]);
  }

  id(value: string | null | undefined): number {
    if (value === undefined || value === null || value === '') return 0;
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.#ids.set(value, id);
    }
    return id;
  }

  lookup(value: string): number | undefined {
    return this.#ids.get(value);
  }

  name(id: number): string {
    return this.values[id] ?? '';
  }

  get size(): number {
    return this.values.length;
  }
}

export class EventTable {
  length = 0;
  timeMs = new Float64Array(1024);
  amount = new Float64Array(1024); // major units, as on the wire
  balance = new Float64Array(1024); // balance after the event
  account = new Int32Array(1024);
  customer = new Int32Array(1024);
  type = new Int32Array(1024);
  channel = new Int32Array(1024);
  counterparty = new Int32Array(1024); // 0 = absent
  category = new Int32Array(1024); // merchant_category, 0 = absent
  declined = new Uint8Array(1024);
  declineReason = new Int32Array(1024);
  label = new Int32Array(1024); // 0 = normal
  incident = new Int32Array(1024); // 0 = not fraud

  readonly accounts = new Dictionary();
  readonly customers = new Dictionary();
  readonly types = new Dictionary();
  readonly channels = new Dictionary();
  readonly counterparties = new Dictionary();
  readonly categories = new Dictionary();
  readonly declineReasons = new Dictionary();
  readonly labels = new Dictionary('normal'); // id 0 = normal, so `label[i] !== 0` means fraud
  readonly incidents = new Dictionary();
  // Earliest and latest record time: records read back from several partitions need not be in time order.
  firstMs = Number.POSITIVE_INFINITY;
  lastMs = Number.NEGATIVE_INFINITY;
  // True when at least one record carried an incident id; false means incidents were inferred (v1).
  incidentsFromHeader = false;

  // Inferred incidents (v1): the open incident per customer and scenario, and when it was last seen.
  readonly #openIncident = new Map<string, { id: number; lastMs: number }>();

  static from(records: Iterable<LabelledRecord>): EventTable {
    const table = new EventTable();
    for (const record of records) table.push(record);
    return table;
  }

  push(record: LabelledRecord): void {
    const v = record.value;
    const timeMs = Date.parse(v.timestamp);
    if (!Number.isFinite(timeMs)) throw new Error(`record ${this.length}: timestamp "${v.timestamp}" is not ISO 8601`);
    if (this.length === this.timeMs.length) this.#grow();
    const i = this.length++;
    this.timeMs[i] = timeMs;
    if (timeMs < this.firstMs) this.firstMs = timeMs;
    if (timeMs > this.lastMs) this.lastMs = timeMs;
    this.amount[i] = v.amount;
    this.balance[i] = v.balance;
    this.account[i] = this.accounts.id(v.account_id);
    this.customer[i] = this.customers.id(v.customer_id);
    this.type[i] = this.types.id(v.transaction_type);
    this.channel[i] = this.channels.id(v.channel);
    this.counterparty[i] = this.counterparties.id(v.counterparty_id);
    this.category[i] = this.categories.id(v.merchant_category);
    this.declined[i] = v.status === 'declined' ? 1 : 0;
    this.declineReason[i] = this.declineReasons.id(v.decline_reason);
    const label = this.labels.id(record.label);
    this.label[i] = label;
    const header = record.incident ?? record.headers?.[SIM_INCIDENT_HEADER];
    if (label === 0) this.incident[i] = 0;
    else if (header) {
      this.incidentsFromHeader = true;
      this.incident[i] = this.incidents.id(header);
    } else this.incident[i] = this.#inferIncident(v.customer_id, record.label, timeMs);
  }

  #inferIncident(customer: string, label: string, timeMs: number): number {
    const key = `${customer}\u0000${label}`;
    const open = this.#openIncident.get(key);
    if (open && timeMs - open.lastMs <= INFERRED_INCIDENT_GAP_MS) {
      open.lastMs = timeMs;
      return open.id;
    }
    const id = this.incidents.id(`inferred-${this.incidents.size}`);
    this.#openIncident.set(key, { id, lastMs: timeMs });
    return id;
  }

  #grow(): void {
    const size = this.timeMs.length * 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.timeMs = grow(this.timeMs);
    this.amount = grow(this.amount);
    this.balance = grow(this.balance);
    this.account = grow(this.account);
    this.customer = grow(this.customer);
    this.type = grow(this.type);
    this.channel = grow(this.channel);
    this.counterparty = grow(this.counterparty);
    this.category = grow(this.category);
    this.declined = grow(this.declined);
    this.declineReason = grow(this.declineReason);
    this.label = grow(this.label);
    this.incident = grow(this.incident);
  }

  get spanMs(): number {
    return this.length === 0 ? 0 : this.lastMs - this.firstMs;
  }
}
