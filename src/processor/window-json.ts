// Closed windows as the JSON of a bank_metrics record value, written straight into bytes. With the
// default settings the processor closes about one window per input record, so this runs as often as
// validation does. Building each window as a string and copying the strings into a buffer cost more than
// everything else a window costs: V8 joins the pieces only when the string is flattened for the copy.
//
// A window is JSON.stringify(w) without what is zero or empty: `late` when 0, the dlqByReason /
// alertsByRule / alertsBySeverity maps when empty, `quality` when it counted nothing and, within it, the
// rules that saw nothing (nearly all of them, nearly always). That is about a third of the bytes;
// parseWindows (src/dashboard/records.ts) puts the zeros back. The shape is WindowAggregate's as built
// by emptyWindow(); the tests check the round trip and compare with JSON.stringify of the same window
// with its zeros removed. Always ASCII: keys outside [\w-] are escaped (see key()).
import type { TransactionType } from '../bank/transaction.ts';
import type { TypeStats, WindowAggregate } from './aggregates.ts';
import { isEmptyQuality, QUALITY_KEYS, type QualityCounters, type RuleQuality } from './quality.ts';

// Windows of one source partition, oldest first, as a JSON array.
export class WindowArray {
  private buf: Buffer;
  private at = 1; // after '['
  private windows = 0;
  private lastStart = 1; // where the window added last begins (its comma included)

  constructor(initialBytes = 16 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(initialBytes, 64));
    this.buf[0] = 0x5b; // [
  }

  static of(windows: readonly WindowAggregate[]): WindowArray {
    const a = new WindowArray();
    for (const w of windows) a.add(w);
    return a;
  }

  get count(): number {
    return this.windows;
  }

  // Bytes of the value so far, closing bracket included.
  get byteLength(): number {
    return this.at + 1;
  }

  add(w: WindowAggregate): void {
    this.lastStart = this.at;
    if (this.windows > 0) this.ascii(',');
    this.windows++;
    this.ascii('{"partitions":[');
    w.partitions.forEach((p, i) => {
      if (i > 0) this.ascii(',');
      this.num(p);
    });
    this.ascii('],"windowStartMs":');
    this.num(w.windowStartMs);
    this.ascii(',"windowMs":');
    this.num(w.windowMs);
    this.ascii(',"records":');
    this.num(w.records);
    this.ascii(',"valid":');
    this.num(w.valid);
    this.ascii(',"dlq":');
    this.num(w.dlq);
    this.ascii(',"throughputPerSec":');
    this.num(w.throughputPerSec);
    if (w.late !== 0) {
      this.ascii(',"late":');
      this.num(w.late);
    }
    this.counts('dlqByReason', w.dlqByReason);
    this.ascii(',"byType":{');
    let first = true;
    for (const type in w.byType) {
      const t = w.byType[type as TransactionType];
      if (t === undefined) continue;
      if (!first) this.ascii(',');
      first = false;
      this.key(type);
      this.ascii(':');
      this.numbers(t, TYPE_STATS_FIELDS);
    }
    this.ascii('}');
    this.counts('alertsByRule', w.alertsByRule);
    this.counts('alertsBySeverity', w.alertsBySeverity);
    if (!isEmptyQuality(w.quality)) this.quality(w.quality);
    this.ascii('}');
  }

  // Takes back the window added last (it would have made a send too large; it goes in the next one).
  removeLast(): void {
    this.at = this.lastStart;
    this.windows--;
  }

  // The value as a buffer that owns its memory (the processing thread hands it over without a copy);
  // the array can then be filled again.
  take(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.at + 1);
    this.buf.copy(out, 0, 0, this.at);
    out[this.at] = 0x5d; // ]
    this.at = 1;
    this.windows = 0;
    return out;
  }

  private quality(q: QualityCounters): void {
    this.ascii(',"quality":{"labeled":');
    this.num(q.labeled);
    this.ascii(',"positives":');
    this.num(q.positives);
    this.ascii(',"episodes":');
    this.num(q.episodes);
    this.ascii(',"byRule":{');
    let first = true;
    for (const key of QUALITY_KEYS) {
      const r = q.byRule[key];
      if (r.tp === 0 && r.fp === 0 && r.detected === 0 && r.ttdSumMs === 0 && r.ttdMaxMs === 0) continue;
      if (!first) this.ascii(',');
      first = false;
      this.key(key);
      this.ascii(':');
      this.numbers(r, RULE_QUALITY_FIELDS);
    }
    this.ascii('}}');
  }

  // An object of numbers, fields in the given order.
  private numbers<T extends object>(o: T, fields: Fields<T>): void {
    for (let i = 0; i < fields.names.length; i++) {
      this.ascii(fields.prefixes[i] as string);
      this.num(o[fields.names[i] as keyof T] as number);
    }
    this.ascii('}');
  }

  // `,"name":{...}`, or nothing for an empty map.
  private counts(name: string, counts: Record<string, number>): void {
    let first = true;
    for (const key in counts) {
      this.ascii(first ? `,"${name}":{` : ',');
      first = false;
      this.key(key);
      this.ascii(':');
      this.num(counts[key] as number);
    }
    if (!first) this.ascii('}');
  }

  private key(k: string): void {
    if (PLAIN_KEY.test(k)) {
      this.ascii('"');
      this.ascii(k);
      this.ascii('"');
    } else {
      this.ascii(JSON.stringify(k).replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    }
  }

  // As JSON.stringify writes a number: String's digits (-0 as 0), NaN and the infinities as null. Counts
  // below 10, the most common numbers by far, skip the string.
  private num(n: number): void {
    if (n >= 0 && n < 10 && Number.isInteger(n)) {
      this.room(1);
      this.buf[this.at++] = 0x30 + n;
    } else {
      this.ascii(Number.isFinite(n) ? String(n) : 'null');
    }
  }

  // s is ASCII: written one byte per character.
  private ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.at = at;
  }

  // Room for n more bytes and the closing bracket.
  private room(n: number): void {
    if (this.at + n + 1 <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n + 1));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}

// One window's JSON, as WindowArray writes it.
export function windowJson(w: WindowAggregate): string {
  const value = WindowArray.of([w]).take();
  return value.toString('latin1', 1, value.length - 1);
}

// The numeric fields of an object and what precedes each one's value: `{"first":`, then `,"next":`.
interface Fields<T> {
  names: ReadonlyArray<keyof T & string>;
  prefixes: readonly string[];
}

function fields<T>(names: ReadonlyArray<keyof T & string>): Fields<T> {
  return { names, prefixes: names.map((n, i) => `${i === 0 ? '{' : ','}"${n}":`) };
}

const TYPE_STATS_FIELDS = fields<TypeStats>(['count', 'sumCents', 'minCents', 'maxCents', 'avgCents']);
const RULE_QUALITY_FIELDS = fields<RuleQuality>(['tp', 'fp', 'detected', 'ttdSumMs', 'ttdMaxMs']);

const PLAIN_KEY = /^[\w-]*$/;
const NON_ASCII = /[\u0080-\uffff]/g;
