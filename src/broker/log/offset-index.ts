// Sparse offset index of one segment, kept in memory and mirrored to the segment's .index file. Each
// entry maps a batch's baseOffset (relative to the segment's base offset) to the batch's byte position in
// the .log file; the file is the entries back to back, int32 relativeOffset + int32 position, big-endian
// like the rest of Kafka's formats. An entry is added once more than index.interval.bytes of log has
// accumulated since the previous one, so a lookup lands at most that many bytes before the target batch.

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export class OffsetIndex {
  // Pairs (relativeOffset, position), grown by doubling.
  private data = new Int32Array(64);
  private count = 0;

  get entries(): number {
    return this.count;
  }

  get lastRelativeOffset(): number {
    return this.count === 0 ? -1 : (this.data[(this.count - 1) * 2] as number);
  }

  get lastPosition(): number {
    return this.count === 0 ? -1 : (this.data[(this.count - 1) * 2 + 1] as number);
  }

  entry(i: number): { relativeOffset: number; position: number } {
    if (i < 0 || i >= this.count) throw new RangeError(`index entry ${i} of ${this.count}`);
    return { relativeOffset: this.data[i * 2] as number, position: this.data[i * 2 + 1] as number };
  }

  append(relativeOffset: number, position: number): void {
    if (this.count > 0 && (relativeOffset <= this.lastRelativeOffset || position <= this.lastPosition)) {
      throw new RangeError(`index entry (${relativeOffset}, ${position}) does not follow (${this.lastRelativeOffset}, ${this.lastPosition})`);
    }
    if ((this.count + 1) * 2 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count * 2] = relativeOffset;
    this.data[this.count * 2 + 1] = position;
    this.count++;
  }

  // Position of the last indexed batch whose baseOffset <= relativeOffset; 0 (segment start) if none.
  lookup(relativeOffset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.data[mid * 2] as number) <= relativeOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : (this.data[found * 2 + 1] as number);
  }

  // File bytes of entries [from, count).
  encode(from = 0): Buffer {
    const n = Math.max(0, this.count - from);
    const buf = Buffer.allocUnsafe(n * OFFSET_INDEX_ENTRY_SIZE);
    for (let i = 0; i < n; i++) {
      buf.writeInt32BE(this.data[(from + i) * 2] as number, i * OFFSET_INDEX_ENTRY_SIZE);
      buf.writeInt32BE(this.data[(from + i) * 2 + 1] as number, i * OFFSET_INDEX_ENTRY_SIZE + 4);
    }
    return buf;
  }

  // Parses an index file, or returns null if it cannot belong to a segment holding relative offsets
  // [0, offsetLimit) in logSize bytes: a torn entry, entries out of order or pointing past the data.
  static decode(buf: Buffer, offsetLimit: number, logSize: number): OffsetIndex | null {
    if (buf.length % OFFSET_INDEX_ENTRY_SIZE !== 0) return null;
    const index = new OffsetIndex();
    for (let p = 0; p < buf.length; p += OFFSET_INDEX_ENTRY_SIZE) {
      const rel = buf.readInt32BE(p);
      const pos = buf.readInt32BE(p + 4);
      if (rel <= index.lastRelativeOffset || pos <= index.lastPosition || rel >= offsetLimit || pos >= logSize) return null;
      // The first batch of a segment is never indexed (position 0 is implicit).
      if (rel <= 0 || pos <= 0) return null;
      index.append(rel, pos);
    }
    return index;
  }
}
