// Producer ids for InitProducerId. An id must never be handed out twice, not even across a crash, or a new
// producer would inherit an old one's sequence numbers and have its first batches rejected (or, worse,
// acknowledged as duplicates). Like Kafka's ProducerIdManager we reserve ids in blocks: the end of the
// current block is written (atomically: write, fsync, rename) before any id from it is used, so after a
// crash the next block starts beyond every id that may have been given out.

import fs from 'node:fs';
import path from 'node:path';

export const PRODUCER_IDS_FILE = 'buzzline-producer-ids.json';
const BLOCK_SIZE = 1000;

export class ProducerIdAllocator {
  private readonly file: string;
  private next: number;
  private blockEnd: number;

  private constructor(file: string, start: number) {
    this.file = file;
    this.next = start;
    this.blockEnd = start;
  }

  static open(dataDir: string): ProducerIdAllocator {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, PRODUCER_IDS_FILE);
    let start = 0;
    if (fs.existsSync(file)) {
      let stored: unknown;
      try {
        stored = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (err) {
        throw new Error(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
      }
      const n = (stored as { nextBlockStart?: unknown } | null)?.nextBlockStart;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`${file} has no valid nextBlockStart`);
      start = n;
    }
    return new ProducerIdAllocator(file, start);
  }

  allocate(): number {
    if (this.next >= this.blockEnd) this.reserve(this.next + BLOCK_SIZE);
    return this.next++;
  }

  private reserve(end: number): void {
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify({ nextBlockStart: end }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.blockEnd = end;
  }
}
