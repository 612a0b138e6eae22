// Sparse time index of one segment, in memory and mirrored to the .timeindex file: entries of int64
// timestamp + int32 relativeOffset, where the timestamp is the segment's largest timestamp so far and the
// offset is the last offset of the batch that carried it. Timestamps strictly increase, so every batch up
// to an entry's offset has maxTimestamp <= that entry's timestamp. Entries are added at index intervals
// when the maximum has grown, plus a final one when the segment is rolled, so the last entry of an
// inactive segment is its largest timestamp (retention reads it without scanning the log).

export const TIME_INDEX_ENTRY_SIZE = 12;

export class TimeIndex {
  private timestamps = new Float64Array(32);
  private offsets = new Int32Array(32);
  private count = 0;

  get entries(): number {
    return this.count;
  }

  get lastTimestamp(): number {
    return this.count === 0 ? -1 : (this.timestamps[this.count - 1] as number);
  }

  get lastRelativeOffset(): number {
    return this.count === 0 ? -1 : (this.offsets[this.count - 1] as number);
  }

  entry(i: number): { timestamp: number; relativeOffset: number } {
    if (i < 0 || i >= this.count) throw new RangeError(`time index entry ${i} of ${this.count}`);
    return { timestamp: this.timestamps[i] as number, relativeOffset: this.offsets[i] as number };
  }

  // Adds (timestamp, relativeOffset) if it raises the indexed maximum; returns whether it did.
  maybeAppend(timestamp: number, relativeOffset: number): boolean {
    if (timestamp < 0 || timestamp <= this.lastTimestamp) return false;
    if (relativeOffset < this.lastRelativeOffset) {
      throw new RangeError(`time index offset ${relativeOffset} goes back from ${this.lastRelativeOffset}`);
    }
    if (this.count === this.timestamps.length) {
      const ts = new Float64Array(this.count * 2);
      ts.set(this.timestamps);
      this.timestamps = ts;
      const offs = new Int32Array(this.count * 2);
      offs.set(this.offsets);
      this.offsets = offs;
    }
    this.timestamps[this.count] = timestamp;
    this.offsets[this.count] = relativeOffset;
    this.count++;
    return true;
  }

  // Relative offset of the last entry whose timestamp < ts: every batch up to and including that offset is
  // older than ts, so a search for ts can start after it. -1 if there is no such entry.
  lastOffsetBefore(ts: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.timestamps[mid] as number) < ts) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? -1 : (this.offsets[found] as number);
  }

  encode(from = 0): Buffer {
    const n = Math.max(0, this.count - from);
    const buf = Buffer.allocUnsafe(n * TIME_INDEX_ENTRY_SIZE);
    for (let i = 0; i < n; i++) {
      const p = i * TIME_INDEX_ENTRY_SIZE;
      buf.writeBigInt64BE(BigInt(this.timestamps[from + i] as number), p);
      buf.writeInt32BE(this.offsets[from + i] as number, p + 8);
    }
    return buf;
  }

  // Parses a .timeindex file, or returns null if it is torn, out of order or names offsets outside
  // [0, offsetLimit).
  static decode(buf: Buffer, offsetLimit: number): TimeIndex | null {
    if (buf.length % TIME_INDEX_ENTRY_SIZE !== 0) return null;
    const index = new TimeIndex();
    for (let p = 0; p < buf.length; p += TIME_INDEX_ENTRY_SIZE) {
      const ts = Number(buf.readBigInt64BE(p));
      const rel = buf.readInt32BE(p + 8);
      if (ts < 0 || ts <= index.lastTimestamp || rel < index.lastRelativeOffset || rel < 0 || rel >= offsetLimit) return null;
      index.maybeAppend(ts, rel);
    }
    return index;
  }
}
