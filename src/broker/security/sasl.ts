// SASL on a connection: the mechanisms the broker offers and the per-connection state machine that
// SaslHandshake (key 17) and SaslAuthenticate (key 36) drive, as Kafka's SaslServerAuthenticator does:
//   handshake ─▶ authenticate (one or more tokens) ─▶ authenticated | failed (the connection closes).
// A v0 handshake means the tokens that follow are raw size-prefixed frames without a request header
// (clients before Kafka 1.0); v1 means they come inside SaslAuthenticate requests.
// Failures are logged with the mechanism, user and reason; never a password, nonce or proof.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/error-codes.ts';
import type { SaslMechanism } from '../../kafka-security.ts';
import { DEFAULT_ITERATIONS, passwordMatches, scramCredential, ScramExchange } from './scram.ts';
import type { ScramCredential, ScramMechanism, Step } from './scram.ts';
import type { UserStore } from './users-file.ts';

export interface SaslServer {
  readonly mechanisms: readonly SaslMechanism[];
  readonly users: UserStore;
}

export interface SaslReply {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Buffer;
}

interface Exchange {
  step(token: Buffer): Step | Promise<Step>;
}

// What an unknown user's password is checked against: made on first need (PBKDF2 is not free), then kept.
let unknownUser: ScramCredential | null = null;
function unknownUserCredential(): ScramCredential {
  unknownUser ??= scramCredential('SCRAM-SHA-256', randomBytes(16).toString('hex'), DEFAULT_ITERATIONS);
  return unknownUser;
}

// RFC 4616: one message, "authzid NUL authcid NUL passwd", and the answer is success or failure.
class PlainExchange implements Exchange {
  private readonly users: UserStore;
  constructor(users: UserStore) {
    this.users = users;
  }

  async step(token: Buffer): Promise<Step> {
    const parts = token.toString('utf8').split('\0');
    if (parts.length !== 3) return { kind: 'fail', reason: 'malformed PLAIN message', user: null };
    const [authzid, user, password] = parts as [string, string, string];
    if (user === '' || password === '') return { kind: 'fail', reason: 'empty user name or password', user: null };
    if (authzid !== '' && authzid !== user) return { kind: 'fail', reason: 'authorization id differs from the user name', user };
    // An unknown user costs the same PBKDF2 as a known one, so timing does not tell which names exist.
    const known = this.users.any(user);
    const { mechanism, credential } = known ?? { mechanism: 'SCRAM-SHA-256' as const, credential: unknownUserCredential() };
    const matches = await passwordMatches(mechanism, credential, password);
    if (!known || !matches) return { kind: 'fail', reason: 'invalid credentials', user };
    return { kind: 'done', response: Buffer.alloc(0), user };
  }
}

type State = 'handshake' | 'authenticate' | 'authenticated' | 'failed';

export class SaslSession {
  private readonly server: SaslServer;
  private readonly logger: Logger;
  private state: State = 'handshake';
  private raw = false;
  private mechanism: SaslMechanism | null = null;
  private exchange: Exchange | null = null;
  user: string | null = null;

  constructor(server: SaslServer, logger: Logger) {
    this.server = server;
    this.logger = logger;
  }

  get authenticated(): boolean {
    return this.state === 'authenticated';
  }

  // Set once the connection must close after the response on its way (failed or refused login).
  get failed(): boolean {
    return this.state === 'failed';
  }

  // The next frame is a raw SASL token (after a v0 handshake), not a Kafka request.
  get expectsRawToken(): boolean {
    return this.raw && this.state === 'authenticate';
  }

  // Only ApiVersions and the SASL APIs before authentication; after a v0 handshake only raw tokens.
  allows(apiKey: number): boolean {
    if (this.state === 'authenticated') return true;
    return apiKey === 18 || apiKey === 17 || (apiKey === 36 && this.state === 'authenticate');
  }

  handshake(mechanism: string, version: number): { errorCode: number; mechanisms: string[] } {
    const mechanisms = [...this.server.mechanisms];
    // Re-authentication is not offered (session lifetime 0): after a login a handshake is answered with
    // ILLEGAL_SASL_STATE as Kafka's request handler does; a second one in the middle of a login ends it.
    if (this.state === 'authenticated') return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    if (this.state !== 'handshake') {
      this.state = 'failed';
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms };
    }
    const chosen = this.server.mechanisms.find((m) => m === mechanism);
    if (!chosen) {
      this.logger.warn({ mechanism, enabled: mechanisms }, 'SASL mechanism not enabled, closing connection');
      this.state = 'failed';
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms };
    }
    this.mechanism = chosen;
    this.exchange = chosen === 'PLAIN' ? new PlainExchange(this.server.users) : new ScramExchange(chosen, (user) => this.server.users.get(user, chosen as ScramMechanism));
    this.raw = version === 0;
    this.state = 'authenticate';
    return { errorCode: ErrorCode.NONE, mechanisms };
  }

  async authenticate(token: Buffer): Promise<SaslReply> {
    if (this.state === 'authenticated') {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication', authBytes: Buffer.alloc(0) };
    }
    if (this.state !== 'authenticate' || this.exchange === null) {
      this.state = 'failed';
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate before a successful SaslHandshake', authBytes: Buffer.alloc(0) };
    }
    const step = await this.exchange.step(token);
    if (step.kind === 'fail') {
      this.state = 'failed';
      this.logger.warn({ mechanism: this.mechanism, user: step.user, reason: step.reason }, 'SASL authentication failed, closing connection');
      // Kafka's wording; the reason stays in the broker's log (telling a client which part was wrong helps guessing).
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: `Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.mechanism}`, authBytes: Buffer.alloc(0) };
    }
    if (step.kind === 'done') {
      this.state = 'authenticated';
      this.user = step.user;
      this.logger.info({ mechanism: this.mechanism, user: step.user }, 'SASL authenticated');
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: step.response };
  }
}
