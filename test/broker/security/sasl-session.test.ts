import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { SaslSession } from '../../../src/broker/security/sasl.ts';
import type { SaslServer } from '../../../src/broker/security/sasl.ts';
import { scramCredential } from '../../../src/broker/security/scram.ts';
import { UserStore, writeUsers } from '../../../src/broker/security/users-file.ts';
import { createLogger } from '../../../src/logging.ts';
import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import { tempDir } from '../../helpers/broker.ts';

const dir = tempDir('buzzline-sasl-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'users.json');
writeUsers(file, new Map([['alice', { 'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', 'pw', 4096) }]]));
const server: SaslServer = { mechanisms: ['PLAIN', 'SCRAM-SHA-256'], users: new UserStore(file, () => {}) };
const session = () => new SaslSession(server, createLogger('test', { level: 'silent' }));

test('PLAIN: a login opens every API; a later handshake or authenticate is ILLEGAL_SASL_STATE without closing', async () => {
  const s = session();
  assert.equal(s.allows(3), false);
  assert.equal(s.allows(36), false, 'SaslAuthenticate only after a handshake');
  assert.equal(s.allows(18), true);
  assert.deepEqual(s.handshake('PLAIN', 1), { errorCode: ErrorCode.NONE, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
  assert.equal(s.expectsRawToken, false);
  assert.deepEqual(await s.authenticate(Buffer.from('alice\0alice\0pw')), { errorCode: ErrorCode.NONE, errorMessage: null, authBytes: Buffer.alloc(0) });
  assert.equal(s.authenticated, true);
  assert.equal(s.allows(3), true);
  assert.equal(s.handshake('PLAIN', 1).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  assert.equal((await s.authenticate(Buffer.from('x'))).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  assert.equal(s.failed, false);
});

test('failures close: unknown mechanism, authenticate before handshake, bad PLAIN messages and passwords', async () => {
  const unknown = session();
  assert.equal(unknown.handshake('GSSAPI', 1).errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  assert.equal(unknown.failed, true);
  const early = session();
  assert.equal((await early.authenticate(Buffer.from('\0alice\0pw'))).errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  assert.equal(early.failed, true);
  for (const token of ['alice\0pw', 'bob\0alice\0pw', '\0alice\0wrong', '\0nobody\0pw', '\0\0pw']) {
    const s = session();
    s.handshake('PLAIN', 1);
    const reply = await s.authenticate(Buffer.from(token));
    assert.equal(reply.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, token);
    assert.equal(reply.errorMessage, 'Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN');
    assert.equal(s.failed, true);
  }
});

test('a v0 handshake makes the next frame a raw token', () => {
  const s = session();
  s.handshake('SCRAM-SHA-256', 0);
  assert.equal(s.expectsRawToken, true);
});
