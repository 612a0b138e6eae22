// JSON written straight into bytes, for the writers that schema.ts builds from a format's declaration.
// The bank_metrics writer runs about once per input record (see metrics-window.ts), and building each
// value as a string and copying the strings into a buffer cost more than everything else a window costs:
// V8 joins the pieces only when the string is flattened for the copy. So the fixed parts (field names,
// punctuation) are copied from bytes made once, map keys are encoded once each, and integers are written
// digit by digit, not through String.
//
// The output is always ASCII: characters outside it are written as \u escapes, which every JSON reader
// decodes to the same string.

export class JsonWriter {
  private buf: Buffer;
  private at = 0;

  constructor(initialBytes = 16 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(initialBytes, 64));
  }

  // Bytes written so far.
  get length(): number {
    return this.at;
  }

  // Goes back to `length` bytes (what came after is dropped).
  truncate(length: number): void {
    this.at = length;
  }

  // The bytes written, with `last` appended, as a buffer that owns its memory (the processing thread
  // hands it over without a copy); the writer is then empty.
  take(last?: number): Buffer {
    const n = this.at + (last === undefined ? 0 : 1);
    const out = Buffer.allocUnsafeSlow(n);
    this.buf.copy(out, 0, 0, this.at);
    if (last !== undefined) out[this.at] = last;
    this.at = 0;
    return out;
  }

  // The bytes written as a small buffer from Buffer's shared pool, as Buffer.from(string) makes them;
  // the writer is then empty.
  copy(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.at));
    this.at = 0;
    return out;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) buf[at++] = b[i] as number;
    this.at = at;
  }

  // As JSON.stringify writes a number: -0 as 0, NaN and the infinities as null. Safe integers, nearly
  // every number in a window (counts, cents, epoch milliseconds), are written digit by digit with int32
  // arithmetic, in parts of at most 9 digits; String's conversion and the string it makes cost twice as
  // much. Anything else goes through String.
  number(n: number): void {
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

  // Printable ASCII without quotes or backslashes, nearly every string of an alert, is copied as it is;
  // anything else goes through JSON.stringify, which cost twice as much for alerts.
  string(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const buf = this.buf;
    let at = this.at;
    buf[at++] = 0x22; // "
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.ascii(quote(s));
        return;
      }
      buf[at++] = c;
    }
    buf[at++] = 0x22;
    this.at = at;
  }

  // `"k":`. Map keys come from small sets (transaction types, rules, severities, dead-letter reasons), so
  // each one's bytes are made once.
  key(k: string): void {
    let b = KEYS.get(k);
    if (b === undefined) {
      b = encode(`${PLAIN.test(k) ? `"${k}"` : quote(k)}:`);
      if (KEYS.size < MAX_KEYS) KEYS.set(k, b);
    }
    this.bytes(b);
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

  // s is ASCII: written one byte per character (a long one by Buffer, whose call costs more than the
  // loop over a short one).
  private ascii(s: string): void {
    const n = s.length;
    this.room(n);
    if (n > 32) {
      this.at += this.buf.write(s, this.at, n, 'latin1');
      return;
    }
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    this.at = at;
  }

  // Room for n more bytes and one to spare, for a closing bracket that take() appends.
  private room(n: number): void {
    if (this.at + n + 1 <= this.buf.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.at + n + 1));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}

// The fixed parts of the JSON, as bytes: copying a byte array is faster than encoding a string each time.
export function encode(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

function quote(s: string): string {
  const json = JSON.stringify(s);
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeChar) : json;
}

// Encoded keys by key; bounded, since a dead-letter reason could in principle be anything.
const KEYS = new Map<string, Uint8Array>();
const MAX_KEYS = 1024;

const PLAIN = /^[\w-]*$/;
const NON_ASCII = /[\u0080-\uffff]/g;
const HAS_NON_ASCII = /[\u0080-\uffff]/;
const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
