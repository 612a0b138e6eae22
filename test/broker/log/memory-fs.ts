// In-memory LogFs with fault injection, for recovery tests. Files outlive their descriptors, as the page
// cache outlives a killed process: crash() drops every open fd and keeps the bytes, so reopening the log
// afterwards is exactly a restart after kill -9. tearAfter(n) makes the file system die mid-write: only
// the next n bytes land, the write throws, and every call fails until crash() (the process is gone).

import path from 'node:path';
import type { FileStat, LogFs } from '../../../src/broker/log/log-fs.ts';

interface MemFile {
  data: Buffer;
  size: number;
  mtimeMs: number;
}

export class MemoryFs implements LogFs {
  private readonly files = new Map<string, MemFile>();
  private readonly dirs = new Set<string>();
  private readonly fds = new Map<number, string>();
  private nextFd = 3;
  private budget = Infinity;
  private dead = false;
  clockMs = 1_700_000_000_000;
  writes = 0;
  // Write calls per path, to tell a reused file from a rewritten one.
  readonly writesByPath = new Map<string, number>();
  fsyncs = 0;

  // The next writes persist only `bytes` more bytes; the write that crosses the limit lands partially and
  // throws, and the file system stays dead until crash().
  tearAfter(bytes: number): void {
    this.budget = bytes;
  }

  // The process died: open descriptors are gone, file contents stay, the file system works again.
  crash(): void {
    this.fds.clear();
    this.dead = false;
    this.budget = Infinity;
  }

  get openFds(): number {
    return this.fds.size;
  }

  fileNames(dir: string): string[] {
    return this.readdir(dir).sort();
  }

  has(p: string): boolean {
    return this.files.has(path.normalize(p));
  }

  readFile(p: string): Buffer {
    const f = this.files.get(path.normalize(p));
    if (f === undefined) throw new Error(`ENOENT: ${p}`);
    return Buffer.from(f.data.subarray(0, f.size));
  }

  writeFile(p: string, data: Uint8Array): void {
    const n = path.normalize(p);
    this.dirs.add(path.dirname(n));
    this.files.set(n, { data: Buffer.from(data), size: data.length, mtimeMs: this.clockMs });
  }

  removeFile(p: string): void {
    this.files.delete(path.normalize(p));
  }

  private check(): void {
    if (this.dead) throw Object.assign(new Error('EIO: file system is dead (simulated crash)'), { code: 'EIO' });
  }

  private file(fd: number): MemFile {
    this.check();
    const p = this.fds.get(fd);
    const f = p === undefined ? undefined : this.files.get(p);
    if (f === undefined) throw Object.assign(new Error(`EBADF: ${fd}`), { code: 'EBADF' });
    return f;
  }

  mkdirp(dir: string): void {
    this.check();
    let d = path.normalize(dir);
    while (!this.dirs.has(d)) {
      this.dirs.add(d);
      const parent = path.dirname(d);
      if (parent === d) break;
      d = parent;
    }
  }

  readdir(dir: string): string[] {
    this.check();
    const d = path.normalize(dir);
    if (!this.dirs.has(d)) throw Object.assign(new Error(`ENOENT: ${dir}`), { code: 'ENOENT' });
    const out: string[] = [];
    for (const p of this.files.keys()) if (path.dirname(p) === d) out.push(path.basename(p));
    return out;
  }

  open(p: string): number {
    this.check();
    const n = path.normalize(p);
    if (!this.dirs.has(path.dirname(n))) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    if (!this.files.has(n)) this.files.set(n, { data: Buffer.alloc(0), size: 0, mtimeMs: this.clockMs });
    const fd = this.nextFd++;
    this.fds.set(fd, n);
    return fd;
  }

  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    const f = this.file(fd);
    const n = Math.max(0, Math.min(length, f.size - position));
    buf.set(f.data.subarray(position, position + n), offset);
    return n;
  }

  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    const f = this.file(fd);
    this.writes++;
    const p = this.fds.get(fd) as string;
    this.writesByPath.set(p, (this.writesByPath.get(p) ?? 0) + 1);
    const n = Math.min(length, this.budget);
    const end = position + n;
    if (end > f.data.length) {
      const grown = Buffer.alloc(Math.max(end, f.data.length * 2));
      f.data.copy(grown, 0, 0, f.size);
      f.data = grown;
    }
    f.data.set(buf.subarray(offset, offset + n), position);
    f.size = Math.max(f.size, end);
    f.mtimeMs = this.clockMs;
    if (this.budget !== Infinity) {
      this.budget -= n;
      if (n < length) {
        this.dead = true;
        throw Object.assign(new Error('EIO: torn write (simulated crash)'), { code: 'EIO' });
      }
    }
    return n;
  }

  truncate(fd: number, length: number): void {
    const f = this.file(fd);
    const p = this.fds.get(fd) as string;
    this.writesByPath.set(p, (this.writesByPath.get(p) ?? 0) + 1);
    if (length > f.data.length) {
      const grown = Buffer.alloc(length);
      f.data.copy(grown, 0, 0, f.size);
      f.data = grown;
    } else {
      f.data.fill(0, length, f.size);
    }
    f.size = length;
    f.mtimeMs = this.clockMs;
  }

  fsync(fd: number): void {
    this.file(fd);
    this.fsyncs++;
  }

  fstat(fd: number): FileStat {
    const f = this.file(fd);
    return { size: f.size, mtimeMs: f.mtimeMs };
  }

  close(fd: number): void {
    this.check();
    if (!this.fds.delete(fd)) throw Object.assign(new Error(`EBADF: ${fd}`), { code: 'EBADF' });
  }

  unlink(p: string): void {
    this.check();
    if (!this.files.delete(path.normalize(p))) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  }

  exists(p: string): boolean {
    const n = path.normalize(p);
    return this.files.has(n) || this.dirs.has(n);
  }

  // Like a file system without an inode limit; the TopicStore tests inject their own answer.
  freeInodes(): number | null {
    this.check();
    return null;
  }

  rmrf(dir: string): void {
    this.check();
    const d = path.normalize(dir);
    const inside = (p: string): boolean => p === d || p.startsWith(d + path.sep);
    for (const p of [...this.files.keys()]) if (inside(p)) this.files.delete(p);
    for (const p of [...this.dirs]) if (inside(p)) this.dirs.delete(p);
  }
}
