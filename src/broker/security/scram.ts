// SCRAM (RFC 5802) as Kafka uses it: SCRAM-SHA-256 and SCRAM-SHA-512, no channel binding. The broker
// keeps only the salted verifiers (salt, iterations, StoredKey, ServerKey), never the password.
// Passwords are hashed as their UTF-8 bytes without SASLprep, like Kafka's ScramFormatter and librdkafka,
// so credentials made here verify the same clients a Kafka broker would.

import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

// Kafka refuses fewer than 4096 iterations for SCRAM credentials; 8192 is its tooling's default for 512.
export const MIN_ITERATIONS = 4096;
export const DEFAULT_ITERATIONS = 8192;
const MAX_ITERATIONS = 1_000_000;

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const HASH: Readonly<Record<ScramMechanism, { name: 'sha256' | 'sha512'; size: number }>> = {
  'SCRAM-SHA-256': { name: 'sha256', size: 32 },
  'SCRAM-SHA-512': { name: 'sha512', size: 64 },
};

const pbkdf2Async = promisify(pbkdf2);
// Per process: the made-up salts of unknown users (see ScramExchange) stay stable while the broker runs.
const FAKE_SALT_SECRET = randomBytes(32);

function hmac(mechanism: ScramMechanism, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(HASH[mechanism].name, key).update(data).digest();
}

function digest(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(HASH[mechanism].name).update(data).digest();
}

function keysFrom(mechanism: ScramMechanism, salted: Buffer): { storedKey: Buffer; serverKey: Buffer } {
  return { storedKey: digest(mechanism, hmac(mechanism, salted, 'Client Key')), serverKey: hmac(mechanism, salted, 'Server Key') };
}

export function validIterations(n: number): boolean {
  return Number.isSafeInteger(n) && n >= MIN_ITERATIONS && n <= MAX_ITERATIONS;
}

// A new credential for a password (what `buzzline users add` stores).
export function scramCredential(mechanism: ScramMechanism, password: string, iterations = DEFAULT_ITERATIONS, salt = randomBytes(32)): ScramCredential {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, HASH[mechanism].size, HASH[mechanism].name);
  return { salt, iterations, ...keysFrom(mechanism, salted) };
}

// Whether a clear password (SASL/PLAIN) matches a stored credential. PBKDF2 runs off the event loop.
export async function passwordMatches(mechanism: ScramMechanism, credential: ScramCredential, password: string): Promise<boolean> {
  const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), credential.salt, credential.iterations, HASH[mechanism].size, HASH[mechanism].name);
  return timingSafeEqual(keysFrom(mechanism, salted).storedKey, credential.storedKey);
}

export type Step = { kind: 'continue'; response: Buffer } | { kind: 'done'; response: Buffer; user: string } | { kind: 'fail'; reason: string; user: string | null };

// RFC 5802 "saslname": "," and "=" travel as "=2C" and "=3D"; any other "=" is malformed.
function decodeSaslName(raw: string): string | null {
  if (/=(?!2C|3D)/.test(raw)) return null;
  return raw.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

// "a=1,b=2" into its attributes, in order; null when one is not "name=value" (RFC 5802 names are one
// letter; Kafka adds extensions such as tokenauth=true after the nonce).
function attributes(text: string): Array<[string, string]> | null {
  const out: Array<[string, string]> = [];
  for (const part of text.split(',')) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/s.exec(part);
    if (!m) return null;
    out.push([m[1] as string, m[2] as string]);
  }
  return out;
}

// The server side of one SCRAM exchange: client-first → server-first, client-final → server-final.
// An unknown user gets a made-up salt derived from a per-process secret, so the exchange looks the same
// as for a known one and fails only at the proof (no user enumeration, as RFC 5802 section 9 suggests).
export class ScramExchange {
  private readonly mechanism: ScramMechanism;
  private readonly lookup: (user: string) => ScramCredential | undefined;
  private readonly newNonce: () => string;
  private stage: 'first' | 'final' | 'over' = 'first';
  private user = '';
  private credential: ScramCredential | undefined;
  private nonce = '';
  private gs2Header = '';
  private clientFirstBare = '';
  private serverFirst = '';

  // newNonce: the server's half of the nonce (fixed only in tests that replay RFC 7677's example).
  constructor(mechanism: ScramMechanism, lookup: (user: string) => ScramCredential | undefined, newNonce = () => randomBytes(24).toString('base64url')) {
    this.mechanism = mechanism;
    this.lookup = lookup;
    this.newNonce = newNonce;
  }

  step(token: Buffer): Step {
    const text = token.toString('utf8');
    if (this.stage === 'first') return this.first(text);
    if (this.stage === 'final') return this.final(text);
    return this.fail('SCRAM exchange already finished');
  }

  private fail(reason: string): Step {
    this.stage = 'over';
    return { kind: 'fail', reason, user: this.user === '' ? null : this.user };
  }

  private first(text: string): Step {
    // gs2-header: "n" (client does not support channel binding) or "y" (it does, we do not), then an
    // optional "a=authzid"; "p=..." asks for channel binding, which no Kafka listener offers.
    const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text);
    if (!m) return this.fail(text.startsWith('p=') ? 'channel binding is not supported' : 'malformed client-first message');
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3] as string;
    const attrs = attributes(this.clientFirstBare);
    if (!attrs || attrs[0]?.[0] !== 'n' || attrs[1]?.[0] !== 'r') return this.fail('malformed client-first message');
    if (attrs.some(([k]) => k === 'm')) return this.fail('mandatory SCRAM extensions are not supported');
    const user = decodeSaslName(attrs[0][1]);
    const clientNonce = attrs[1][1];
    if (user === null || user === '' || clientNonce === '' || /[^\x21-\x2b\x2d-\x7e]/.test(clientNonce)) return this.fail('malformed client-first message');
    this.user = user;
    // Kafka: an authorization id, if given, must be the user itself (no impersonation).
    if (m[2] !== undefined && decodeSaslName(m[2].slice(2)) !== user) return this.fail('authorization id differs from the user name');
    this.credential = this.lookup(user);
    const salt = this.credential?.salt ?? hmac(this.mechanism, FAKE_SALT_SECRET, user);
    const iterations = this.credential?.iterations ?? DEFAULT_ITERATIONS;
    this.nonce = clientNonce + this.newNonce();
    this.serverFirst = `r=${this.nonce},s=${salt.toString('base64')},i=${iterations}`;
    this.stage = 'final';
    return { kind: 'continue', response: Buffer.from(this.serverFirst, 'utf8') };
  }

  private final(text: string): Step {
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) return this.fail('malformed client-final message');
    const withoutProof = text.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (!attrs || attrs[0]?.[0] !== 'c' || attrs[1]?.[0] !== 'r') return this.fail('malformed client-final message');
    if (attrs[0][1] !== Buffer.from(this.gs2Header, 'utf8').toString('base64')) return this.fail('channel binding data does not match the client-first message');
    // Kafka's ScramSaslServer accepts a nonce that ends with ours, and librdkafka relies on it: it sends
    // its own nonce again in front of the combined one. The proof covers the message as sent either way.
    if (!attrs[1][1].endsWith(this.nonce)) return this.fail('nonce does not match');
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const credential = this.credential;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const size = HASH[this.mechanism].size;
    if (credential === undefined || proof.length !== size) return this.fail('invalid credentials');
    const signature = hmac(this.mechanism, credential.storedKey, authMessage);
    const clientKey = Buffer.alloc(size);
    for (let i = 0; i < size; i++) clientKey[i] = (proof[i] as number) ^ (signature[i] as number);
    if (!timingSafeEqual(digest(this.mechanism, clientKey), credential.storedKey)) return this.fail('invalid credentials');
    this.stage = 'over';
    const serverSignature = hmac(this.mechanism, credential.serverKey, authMessage).toString('base64');
    return { kind: 'done', response: Buffer.from(`v=${serverSignature}`, 'utf8'), user: this.user };
  }
}
