// The data directory belongs to one broker at a time. Two brokers appending to the same segment files
// would corrupt them, and even a second broker that only starts up reads and recovers (truncates) the
// live logs before it would fail on the port, so the lock is taken before anything in the directory is
// read. The lock is the file `.lock` holding the owner's pid: it is written under a temporary name and
// hard-linked into place, which fails atomically if the lock exists (like O_EXCL) and never shows a
// half-written pid to another broker. A lock whose pid is not running (a broker killed with -9) is stale
// and taken over.

import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

const LOCK_FILE = '.lock';

// Directories locked by this process: a second broker in the same process is refused too, while a lock
// file with our own pid that we do not hold is a stale one whose pid came round again.
const heldHere = new Set<string>();

export class DataDirLockedError extends Error {
  readonly ownerPid: number;
  constructor(dataDir: string, ownerPid: number) {
    super(`data directory ${dataDir} is in use by another broker (pid ${ownerPid})`);
    this.ownerPid = ownerPid;
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string, logger: Logger): DataDirLock {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot use data directory ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  const dir = fs.realpathSync(dataDir);
  const lockPath = path.join(dir, LOCK_FILE);
  const tmpPath = path.join(dir, `${LOCK_FILE}.${process.pid}`);
  fs.writeFileSync(tmpPath, `${process.pid}\n`);
  try {
    // Two rounds at most: the second follows the removal of a stale lock.
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmpPath, lockPath);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      }
      const owner = readOwner(lockPath);
      if (owner !== null && isRunning(owner) && (owner !== process.pid || heldHere.has(dir))) throw new DataDirLockedError(dataDir, owner);
      logger.warn({ dataDir, stalePid: owner }, 'taking over the stale lock of a broker that is no longer running');
      fs.rmSync(lockPath, { force: true });
    }
  } finally {
    fs.rmSync(tmpPath, { force: true });
  }
  heldHere.add(dir);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      heldHere.delete(dir);
      // Only our own lock: a broker that took it over (after this process was thought dead) keeps its.
      if (readOwner(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
    },
  };
}

// The pid in the lock file; null when it is unreadable or holds no pid (then nobody can be waiting on it).
function readOwner(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
