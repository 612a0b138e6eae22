// Large short-lived buffers, reused: fetch reads (the bytes of a fetch response, from the log file) and
// assembled produce frames. Under load these are a few hundred kilobytes each, dozens of times a second,
// while the broker's own heap is small and barely changes. V8 collects memory outside its heap only with
// full mark-compact collections, and it starts them as that memory grows: measured with a processor
// consuming at full speed, the broker ran about ten full collections a second, a third of its CPU time.
// Taking the buffers from here and giving them back when their bytes are no longer read cut its CPU time
// by about half.
//
// Only buffers from MIN_POOLED_BYTES to MAX_POOLED_BYTES are pooled, in power-of-two size classes; smaller
// ones come from Node's own pool, larger ones are rare. At most MAX_FREE_BYTES wait for reuse.
//
// Whoever takes a buffer must give it back only once nothing reads it any more (for a response, once
// the socket has written it): after give() the next take() may overwrite it.

const MIN_POOLED_BYTES = 64 * 1024;
const MAX_POOLED_BYTES = 8 * 1024 * 1024;
const MAX_FREE_BYTES = 32 * 1024 * 1024;

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>(); // by size class
  private freeBytes = 0;
  // Memory this pool handed out; give() ignores anything else, so it can be called with any buffer.
  private readonly mine = new WeakSet<ArrayBuffer>();

  // A buffer of exactly `size` bytes, contents undefined.
  take(size: number): Buffer {
    if (size < MIN_POOLED_BYTES || size > MAX_POOLED_BYTES) return Buffer.allocUnsafe(size);
    const cls = sizeClass(size);
    const memory = this.free.get(cls)?.pop();
    if (memory !== undefined) {
      this.freeBytes -= cls;
      return Buffer.from(memory, 0, size);
    }
    const fresh = new ArrayBuffer(cls);
    this.mine.add(fresh);
    return Buffer.from(fresh, 0, size);
  }

  give(buf: Buffer): void {
    const memory = buf.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.mine.has(memory)) return;
    const cls = memory.byteLength;
    if (this.freeBytes + cls > MAX_FREE_BYTES) return;
    const list = this.free.get(cls);
    if (list === undefined) this.free.set(cls, [memory]);
    else if (!list.includes(memory)) list.push(memory);
    else return; // given back twice
    this.freeBytes += cls;
  }

  get pooledFreeBytes(): number {
    return this.freeBytes;
  }
}

function sizeClass(size: number): number {
  return 2 ** Math.ceil(Math.log2(size));
}
