// The few file operations the partition log needs, behind an interface so that tests can run the log on
// an in-memory, fault-injecting file system (test/broker/log/memory-fs.ts) and simulate torn writes.
// Everything is synchronous: a write lands in the page cache before append() returns, so a killed
// process loses nothing it acknowledged; only fsync (flush) protects against losing the machine.

import fs from 'node:fs';

export interface FileStat {
  size: number;
  mtimeMs: number;
}

export interface LogFs {
  mkdirp(dir: string): void;
  // Entry names (not paths) in dir.
  readdir(dir: string): string[];
  // Opens read-write, creating the file if missing. Never O_APPEND: the log writes at explicit positions.
  open(path: string): number;
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  truncate(fd: number, length: number): void;
  fsync(fd: number): void;
  fstat(fd: number): FileStat;
  close(fd: number): void;
  unlink(path: string): void;
  // Removes dir and everything in it; no error if it does not exist.
  rmrf(dir: string): void;
  // Whether anything (file or directory) is at path.
  exists(path: string): boolean;
  // Inodes still free on the file system holding dir; null when it does not say (some report 0 of 0).
  freeInodes(dir: string): number | null;
}

export const nodeFs: LogFs = {
  mkdirp(dir) {
    fs.mkdirSync(dir, { recursive: true });
  },
  readdir(dir) {
    return fs.readdirSync(dir);
  },
  open(path) {
    return fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  },
  read(fd, buf, offset, length, position) {
    return fs.readSync(fd, buf, offset, length, position);
  },
  write(fd, buf, offset, length, position) {
    return fs.writeSync(fd, buf, offset, length, position);
  },
  truncate(fd, length) {
    fs.ftruncateSync(fd, length);
  },
  fsync(fd) {
    fs.fsyncSync(fd);
  },
  fstat(fd) {
    const s = fs.fstatSync(fd);
    return { size: s.size, mtimeMs: s.mtimeMs };
  },
  close(fd) {
    fs.closeSync(fd);
  },
  unlink(path) {
    fs.unlinkSync(path);
  },
  rmrf(dir) {
    fs.rmSync(dir, { recursive: true, force: true });
  },
  exists(path) {
    return fs.existsSync(path);
  },
  freeInodes(dir) {
    const s = fs.statfsSync(dir);
    return s.files > 0 ? s.ffree : null;
  },
};

// write/read may move fewer bytes than asked; these loop until done (or EOF for reads).
export function writeFully(lfs: LogFs, fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = lfs.write(fd, buf, done, buf.length - done, position + done);
    if (n <= 0) throw new Error(`write returned ${n} at position ${position + done}`);
    done += n;
  }
}

export function readFully(lfs: LogFs, fd: number, buf: Uint8Array, position: number, length = buf.length): number {
  let done = 0;
  while (done < length) {
    const n = lfs.read(fd, buf, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}
