// Closed windows as the JSON of a bank_metrics record value, written straight into bytes. With the
// default settings the processor closes about one window per input record, so this runs as often as
// validation does. Building each window as a string and copying the strings into a buffer cost more than
// everything else a window costs: V8 joins the pieces only when the string is flattened for the copy.
// For the same reason the fixed parts and the keys are copied from bytes made once, and integers are
// written digit by digit, not through String.
//
// A window is JSON.stringify(w) without what is zero or empty: `valid`, `dlq` and `late` when 0, the
// dlqByReason / alertsByRule / alertsBySeverity maps when empty, `quality` when it counted nothing and,
// within it, `positives` and `episodes` when 0 and the rules that saw nothing (nearly all of them, nearly
// always; `byRule` goes when all did). That is about half of the bytes;
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
    if (this.windows > 0) this.bytes(COMMA);
    this.windows++;
    this.bytes(PARTITIONS);
    for (let i = 0; i < w.partitions.length; i++) {
      if (i > 0) this.bytes(COMMA);
      this.num(w.partitions[i] as number);
    }
    this.bytes(WINDOW_START_MS);
    this.num(w.windowStartMs);
    this.bytes(WINDOW_MS);
    this.num(w.windowMs);
    this.bytes(RECORDS);
    this.num(w.records);
    this.nonZero(VALID, w.valid);
    this.nonZero(DLQ, w.dlq);
    this.bytes(THROUGHPUT);
    this.num(w.throughputPerSec);
    this.nonZero(LATE, w.late);
    this.counts('dlqByReason', w.dlqByReason);
    this.bytes(BY_TYPE);
    let first = true;
    for (const type in w.byType) {
      const t = w.byType[type as TransactionType];
      if (t === undefined) continue;
      if (!first) this.bytes(COMMA);
      first = false;
      this.key(type);
      this.numbers(t, TYPE_STATS_FIELDS);
    }
    this.bytes(CLOSE);
    this.counts('alertsByRule', w.alertsByRule);
    this.counts('alertsBySeverity', w.alertsBySeverity);
    if (!isEmptyQuality(w.quality)) this.quality(w.quality);
    this.bytes(CLOSE);
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
    this.bytes(LABELED);
    this.num(q.labeled);
    this.nonZero(POSITIVES, q.positives);
    this.nonZero(EPISODES, q.episodes);
    let first = true;
    for (const key of QUALITY_KEYS) {
      const r = q.byRule[key];
      if (r.tp === 0 && r.fp === 0 && r.detected === 0 && r.ttdSumMs === 0 && r.ttdMaxMs === 0) continue;
      this.bytes(first ? BY_RULE : COMMA);
      first = false;
      this.key(key);
      this.numbers(r, RULE_QUALITY_FIELDS);
    }
    if (!first) this.bytes(CLOSE);
    this.bytes(CLOSE);
  }

  // `,"name":n`, or nothing when n is 0.
  private nonZero(prefix: Uint8Array, n: number): void {
    if (n === 0) return;
    this.bytes(prefix);
    this.num(n);
  }

  // An object of numbers, fields in the given order.
  private numbers<T extends object>(o: T, fields: Fields<T>): void {
    for (let i = 0; i < fields.names.length; i++) {
      this.bytes(fields.prefixes[i] as Uint8Array);
      this.num(o[fields.names[i] as keyof T] as number);
    }
    this.bytes(CLOSE);
  }

  // `,"name":{...}`, or nothing for an empty map.
  private counts(name: string, counts: Record<string, number>): void {
    let first = true;
    for (const key in counts) {
      if (first) this.ascii(`,"${name}":{`);
      else this.bytes(COMMA);
      first = false;
      this.key(key);
      this.num(counts[key] as number);
    }
    if (!first) this.bytes(CLOSE);
  }

  // `"k":`. The keys of a window come from small fixed sets (types, rules, severities, DLQ reasons), so
  // each one's bytes are made once.
  private key(k: string): void {
    let b = KEYS.get(k);
    if (b === undefined) {
      b = encode(`${PLAIN_KEY.test(k) ? `"${k}"` : JSON.stringify(k).replace(NON_ASCII, escapeChar)}:`);
      if (KEYS.size < MAX_KEYS) KEYS.set(k, b);
    }
    this.bytes(b);
  }

  // As JSON.stringify writes a number: -0 as 0, NaN and the infinities as null. Safe integers, nearly
  // every number in a window (counts, cents, epoch milliseconds), are written digit by digit with int32
  // arithmetic, in parts of at most 9 digits; String's conversion and the string it makes cost twice as
  // much. Anything else goes through String.
  private num(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.ascii(Number.isFinite(n) ? String(n) : 'null');
      return;
    }
    this.room(17); // a sign and 16 digits
    let v = n;
    if (v < 0) {
      this.buf[this.at++] = 0x2d; // -
      v = -v;
    }
    if (v < 1e9) {
      this.digits(v, 0);
    } else {
      const high = Math.floor(v / 1e9);
      this.digits(high, 0);
      this.digits(v - high * 1e9, 9);
    }
  }

  // v < 1e9, left-padded with zeros to width digits.
  private digits(v: number, width: number): void {
    let len = 1;
    for (let t = 10; len < 9 && v >= t; t *= 10) len++;
    if (len < width) len = width;
    const buf = this.buf;
    let at = this.at + len;
    this.at = at;
    let x = v | 0;
    for (let i = 0; i < len; i++) {
      const q = (x / 10) | 0;
      buf[--at] = 0x30 + x - q * 10;
      x = q;
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

  private bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) buf[at++] = b[i] as number;
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
  prefixes: readonly Uint8Array[];
}

function fields<T>(names: ReadonlyArray<keyof T & string>): Fields<T> {
  return { names, prefixes: names.map((n, i) => encode(`${i === 0 ? '{' : ','}"${n}":`)) };
}

// The fixed parts of the JSON, as bytes: copying a byte array is faster than encoding a string each time.
function encode(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

const COMMA = encode(',');
const CLOSE = encode('}');
const PARTITIONS = encode('{"partitions":[');
const WINDOW_START_MS = encode('],"windowStartMs":');
const WINDOW_MS = encode(',"windowMs":');
const RECORDS = encode(',"records":');
const VALID = encode(',"valid":');
const DLQ = encode(',"dlq":');
const THROUGHPUT = encode(',"throughputPerSec":');
const LATE = encode(',"late":');
const BY_TYPE = encode(',"byType":{');
const LABELED = encode(',"quality":{"labeled":');
const POSITIVES = encode(',"positives":');
const EPISODES = encode(',"episodes":');
const BY_RULE = encode(',"byRule":{');

// Encoded keys by key; bounded, since a DLQ reason could in principle be anything.
const KEYS = new Map<string, Uint8Array>();
const MAX_KEYS = 1024;

const TYPE_STATS_FIELDS = fields<TypeStats>(['count', 'sumCents', 'minCents', 'maxCents', 'avgCents']);
const RULE_QUALITY_FIELDS = fields<RuleQuality>(['tp', 'fp', 'detected', 'ttdSumMs', 'ttdMaxMs']);

const PLAIN_KEY = /^[\w-]*$/;
const NON_ASCII = /[\u0080-\uffff]/g;
const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
