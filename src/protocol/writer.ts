// Growable writer. Small values go into a scratch buffer; large byte blobs (record batches in fetch
// responses) are kept by reference as separate chunks so a multi-megabyte fetch is never copied before it
// reaches the socket.

// The scratch buffer starts small and doubles up to CHUNK. Most responses (produce acks, heartbeats,
// offset commits) are tens of bytes: a small first scratch comes from Buffer's shared pool, while a 64 KiB
// one per response would be a fresh allocation outside the heap each time, and at tens of thousands of
// responses a second that churn alone kept V8 running full garbage collections.
const FIRST_CHUNK = 512;
const CHUNK = 64 * 1024;
const BY_REFERENCE = 4096;

export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer = Buffer.allocUnsafe(FIRST_CHUNK);
  private nextChunk = FIRST_CHUNK * 2;
  private pos = 0;
  private flushedBytes = 0;

  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flushScratch();
    this.buf = Buffer.allocUnsafe(Math.max(this.nextChunk, n));
    this.nextChunk = Math.min(CHUNK, this.nextChunk * 2);
  }

  private flushScratch(): void {
    if (this.pos > 0) {
      this.chunks.push(this.buf.subarray(0, this.pos));
      this.flushedBytes += this.pos;
      this.buf = this.buf.subarray(this.pos);
      this.pos = 0;
    }
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  uint16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    this.buf.writeBigInt64BE(toInt64(v), this.pos);
    this.pos += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
    return this;
  }

  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }

  uvarint(v: number): this {
    this.ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
    return this;
  }

  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31));
  }

  varlong(v: number): this {
    this.ensure(10);
    const n = toInt64(v);
    let x = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
    while (x >= 0x80n) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
    return this;
  }

  uuid(v: string): this {
    const hex = v.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a uuid: ${v}`);
    this.ensure(16);
    this.buf.write(hex, this.pos, 'hex');
    this.pos += 16;
    return this;
  }

  raw(b: Uint8Array): this {
    if (b.length >= BY_REFERENCE) {
      this.flushScratch();
      this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
      this.flushedBytes += b.length;
      return this;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  utf8(s: string): this {
    const n = Buffer.byteLength(s);
    this.ensure(n);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
    return this;
  }

  // Length-prefixed string, classic (int16) or compact (uvarint len+1); null encodes as -1 / 0.
  string(s: string | null, compact: boolean): this {
    if (s === null) return compact ? this.uvarint(0) : this.int16(-1);
    const n = Buffer.byteLength(s);
    if (compact) this.uvarint(n + 1);
    else this.int16(n);
    return this.utf8(s);
  }

  bytes(b: Uint8Array | null, compact: boolean): this {
    if (b === null) return compact ? this.uvarint(0) : this.int32(-1);
    if (compact) this.uvarint(b.length + 1);
    else this.int32(b.length);
    return this.raw(b);
  }

  arrayLength(n: number | null, compact: boolean): this {
    if (n === null) return compact ? this.uvarint(0) : this.int32(-1);
    return compact ? this.uvarint(n + 1) : this.int32(n);
  }

  // The written bytes as a list of buffers (scratch chunks and large blobs by reference).
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  toBuffer(): Buffer {
    const chunks = this.toChunks();
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.flushedBytes);
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

// Doubles beyond the int64 range (a decoded Long.MAX_VALUE rounds up to 2^63) are clamped so that what
// was read can always be written back.
function toInt64(v: number): bigint {
  const n = BigInt(Math.trunc(v));
  return n > INT64_MAX ? INT64_MAX : n < INT64_MIN ? INT64_MIN : n;
}
