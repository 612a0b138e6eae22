// A bounded pool of open descriptors for segment files, shared by every partition of a broker. A segment
// names its three files (log, offset index, time index) but holds no descriptor: each use asks the pool,
// which opens the file on demand and, when full, closes the least recently used one first. A partition
// being written or read keeps its files at the recent end of the list, so the hot path costs a pointer
// swap; idle partitions give their descriptors back. Thousands of partitions therefore work under an
// open-file limit far smaller than three files each (Kafka itself keeps every segment open and needs
// the limit raised instead).
//
// Everything is synchronous, so a descriptor handed out is used before any other file can evict it: an
// operation touches at most a segment's three files, and the pool holds far more than that.

import fs from 'node:fs';
import type { LogFs } from './log-fs.ts';

// A segment's files; what a pool must at least be able to hold at once.
export const FILES_PER_SEGMENT = 3;

export class FilePool {
  readonly fs: LogFs;
  readonly capacity: number;
  private openCount = 0;
  // Open files, most recently used first.
  private head: PooledFile | null = null;
  private tail: PooledFile | null = null;

  constructor(lfs: LogFs, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < FILES_PER_SEGMENT) {
      throw new RangeError(`a file pool needs room for at least ${FILES_PER_SEGMENT} files, got ${capacity}`);
    }
    this.fs = lfs;
    this.capacity = capacity;
  }

  // A handle on the file at `path`; nothing is opened until it is used.
  file(path: string): PooledFile {
    return new PooledFile(this, path);
  }

  get openFiles(): number {
    return this.openCount;
  }

  // Called by PooledFile.fd() for a file that is not open.
  open(file: PooledFile): number {
    if (this.openCount >= this.capacity) this.evictLeastRecent();
    let fd: number;
    for (;;) {
      try {
        fd = this.fs.open(file.path);
        break;
      } catch (err) {
        // The process limit is shared with sockets and other files, so it can run out before the pool
        // is full: give back our own descriptors, oldest first, rather than fail the request.
        if (!isOutOfDescriptors(err) || this.tail === null) throw err;
        this.evictLeastRecent();
      }
    }
    file.handle = fd;
    this.openCount++;
    this.pushFront(file);
    return fd;
  }

  touch(file: PooledFile): void {
    if (this.head === file) return;
    this.unlink(file);
    this.pushFront(file);
  }

  release(file: PooledFile): void {
    if (file.handle < 0) return;
    const fd = file.handle;
    file.handle = -1;
    this.unlink(file);
    this.openCount--;
    this.fs.close(fd);
  }

  private evictLeastRecent(): void {
    if (this.tail !== null) this.release(this.tail);
  }

  private pushFront(file: PooledFile): void {
    file.prev = null;
    file.next = this.head;
    if (this.head !== null) this.head.prev = file;
    this.head = file;
    this.tail ??= file;
  }

  private unlink(file: PooledFile): void {
    if (file.prev !== null) file.prev.next = file.next;
    else this.head = file.next;
    if (file.next !== null) file.next.prev = file.prev;
    else this.tail = file.prev;
    file.prev = null;
    file.next = null;
  }
}

export class PooledFile {
  readonly path: string;
  private readonly pool: FilePool;
  // The open descriptor, -1 while closed. The fields below belong to the pool's list.
  handle = -1;
  prev: PooledFile | null = null;
  next: PooledFile | null = null;

  constructor(pool: FilePool, path: string) {
    this.pool = pool;
    this.path = path;
  }

  // The descriptor, opening the file (read-write, created if missing) if it is not open.
  fd(): number {
    if (this.handle < 0) return this.pool.open(this);
    this.pool.touch(this);
    return this.handle;
  }

  get isOpen(): boolean {
    return this.handle >= 0;
  }

  close(): void {
    this.pool.release(this);
  }
}

function isOutOfDescriptors(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

// The process's open-file limit (soft), from /proc on Linux; null where that cannot be read. Node raises
// the soft limit to the hard one at startup, so this is what `ulimit -n` allowed.
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m === null) return null;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return null;
  }
}

// Assumed where the limit cannot be read: the usual default soft limit.
const FALLBACK_LIMIT = 1024;
// Descriptors left outside the pool for client sockets, the group state and metadata files, stdio and
// Node's own: a quarter of the limit, at least 64.
const MIN_RESERVE = 64;

// How many segment files a broker keeps open at most, given the process limit.
export function segmentFileBudget(limit: number = openFileLimit() ?? FALLBACK_LIMIT): number {
  const reserve = Math.max(MIN_RESERVE, Math.floor(limit / 4));
  return Math.max(FILES_PER_SEGMENT, limit - reserve);
}
