// The SASL users file: JSON with each user's SCRAM credentials (salt, iterations, StoredKey, ServerKey,
// base64), never a password. `buzzline users add` writes it; the broker reads it at start and again
// whenever its modification time changes, so added or removed users count from the next login.
//
//   { "users": { "alice": { "SCRAM-SHA-256": { "salt": "…", "iterations": 8192, "storedKey": "…", "serverKey": "…" },
//                           "SCRAM-SHA-512": { … } } } }

import fs from 'node:fs';
import path from 'node:path';
import { SCRAM_MECHANISMS, validIterations } from './scram.ts';
import type { ScramCredential, ScramMechanism } from './scram.ts';

export type UserCredentials = Partial<Record<ScramMechanism, ScramCredential>>;
export type Users = Map<string, UserCredentials>;

export class UsersFileError extends Error {}

function base64(file: string, where: string, value: unknown): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw new UsersFileError(`${file}: ${where} must be a base64 string`);
  return Buffer.from(value, 'base64');
}

export function parseUsers(file: string, text: string): Users {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsersFileError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const users = (doc as { users?: unknown } | null)?.users;
  if (typeof users !== 'object' || users === null || Array.isArray(users)) throw new UsersFileError(`${file}: expected {"users": {NAME: {MECHANISM: credential}}}`);
  const out: Users = new Map();
  for (const [name, entry] of Object.entries(users)) {
    if (name === '') throw new UsersFileError(`${file}: a user has an empty name`);
    if (typeof entry !== 'object' || entry === null) throw new UsersFileError(`${file}: user "${name}" must be an object of SCRAM credentials`);
    const creds: UserCredentials = {};
    for (const [mechanism, c] of Object.entries(entry as Record<string, unknown>)) {
      if (!(SCRAM_MECHANISMS as readonly string[]).includes(mechanism)) throw new UsersFileError(`${file}: user "${name}": unknown mechanism "${mechanism}" (expected ${SCRAM_MECHANISMS.join(' or ')})`);
      const where = `user "${name}" ${mechanism}`;
      const raw = (c ?? {}) as Record<string, unknown>;
      const iterations = raw.iterations;
      if (typeof iterations !== 'number' || !validIterations(iterations)) throw new UsersFileError(`${file}: ${where}: iterations must be a whole number from 4096 to 1000000`);
      creds[mechanism as ScramMechanism] = {
        salt: base64(file, `${where} salt`, raw.salt),
        iterations,
        storedKey: base64(file, `${where} storedKey`, raw.storedKey),
        serverKey: base64(file, `${where} serverKey`, raw.serverKey),
      };
    }
    if (Object.keys(creds).length === 0) throw new UsersFileError(`${file}: user "${name}" has no credentials`);
    out.set(name, creds);
  }
  return out;
}

// Reads the file; a missing file is an empty set of users only when `missingOk` (for `users add`).
export function readUsers(file: string, missingOk = false): Users {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new UsersFileError(`cannot read the users file ${file}: ${(err as Error).message}`);
  }
  return parseUsers(file, text);
}

// Written to a temporary file and renamed over the old one, readable by the owner only: a broker
// re-reading it never sees half a file, and the verifiers are not for everyone's eyes.
export function writeUsers(file: string, users: Users): void {
  const doc: Record<string, Record<string, { salt: string; iterations: number; storedKey: string; serverKey: string }>> = {};
  for (const [name, creds] of [...users].sort(([a], [b]) => a.localeCompare(b))) {
    doc[name] = {};
    for (const [mechanism, c] of Object.entries(creds)) {
      doc[name][mechanism] = { salt: c.salt.toString('base64'), iterations: c.iterations, storedKey: c.storedKey.toString('base64'), serverKey: c.serverKey.toString('base64') };
    }
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify({ users: doc }, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

// The broker's view: re-read when the file's modification time or size changes. A file that became
// unreadable or invalid keeps the last good users (and says so once), rather than locking everyone out.
export class UserStore {
  private readonly file: string;
  private readonly onReloadError: (err: Error) => void;
  private users: Users;
  private stamp: string;
  private lastError: string | null = null;

  constructor(file: string, onReloadError: (err: Error) => void) {
    this.file = file;
    this.onReloadError = onReloadError;
    this.stamp = this.currentStamp();
    this.users = readUsers(file);
  }

  get(user: string, mechanism: ScramMechanism): ScramCredential | undefined {
    this.refresh();
    return this.users.get(user)?.[mechanism];
  }

  // For PLAIN: any stored SCRAM credential of the user verifies the password.
  any(user: string): { mechanism: ScramMechanism; credential: ScramCredential } | undefined {
    this.refresh();
    const creds = this.users.get(user);
    for (const mechanism of SCRAM_MECHANISMS) {
      const credential = creds?.[mechanism];
      if (credential) return { mechanism, credential };
    }
    return undefined;
  }

  private currentStamp(): string {
    try {
      const st = fs.statSync(this.file);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return 'missing';
    }
  }

  private refresh(): void {
    const stamp = this.currentStamp();
    if (stamp === this.stamp) return;
    try {
      this.users = readUsers(this.file);
      this.stamp = stamp;
      this.lastError = null;
    } catch (err) {
      if (this.lastError !== (err as Error).message) this.onReloadError(err as Error);
      this.lastError = (err as Error).message;
    }
  }
}
