// Bounds-checked reader over a Buffer. Every read checks the bytes left first and throws a
// DecodeError instead of returning garbage, and array/byte lengths larger than the remaining bytes are
// rejected before anything is allocated: a hostile length prefix must never make us allocate memory.

export class DecodeError extends Error {
  override name = 'DecodeError';
}

const INT64_MIN = -(2n ** 63n);

export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.end) {
      throw new DecodeError(`need ${n} bytes at offset ${this.offset}, have ${this.end - this.offset}`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.offset++] as number;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  // int64 values are offsets, timestamps and ids; all real ones fit in a double exactly. Sentinels such as
  // Long.MAX_VALUE lose precision but keep their sign and magnitude, which is all the broker looks at.
  int64(): number {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return Number(v);
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  bool(): boolean {
    return this.uint8() !== 0;
  }

  // Unsigned LEB128 varint, at most 5 bytes (32 bits).
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.uint8();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    throw new DecodeError('varint longer than 5 bytes');
  }

  // Zig-zag signed varint (32 bits).
  varint(): number {
    const v = this.uvarint();
    return (v >>> 1) ^ -(v & 1);
  }

  // Zig-zag signed varlong (64 bits), at most 10 bytes.
  varlong(): number {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.uint8();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        const signed = (result >> 1n) ^ -(result & 1n);
        return Number(signed < INT64_MIN ? INT64_MIN : signed);
      }
      shift += 7n;
    }
    throw new DecodeError('varlong longer than 10 bytes');
  }

  uuid(): string {
    this.need(16);
    const hex = this.buf.toString('hex', this.offset, this.offset + 16);
    this.offset += 16;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // Raw bytes as a view into the frame (no copy); the frame buffer is owned by the request.
  raw(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  utf8(n: number): string {
    this.need(n);
    const v = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  // Length prefixes: classic ones are int16/int32 with -1 for null; compact ones are uvarint(len + 1) with
  // 0 for null. Returns -1 for null.
  stringLength(compact: boolean): number {
    return compact ? this.uvarint() - 1 : this.int16();
  }

  bytesLength(compact: boolean): number {
    return compact ? this.uvarint() - 1 : this.int32();
  }

  // An array count can never exceed the bytes left (each element takes at least one byte), so a larger
  // count is rejected before the caller allocates anything.
  arrayLength(compact: boolean): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n > this.remaining) throw new DecodeError(`array length ${n} exceeds ${this.remaining} remaining bytes`);
    return n;
  }
}
