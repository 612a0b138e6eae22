// SaslAuthenticate (key 36), versions 0-2. Carries one SASL token each way for the mechanism chosen by
// SaslHandshake v1: PLAIN (RFC 4616) takes one round, SCRAM-SHA-256/512 (RFC 5802) two, ending with the
// server signature. A failed login answers SASL_AUTHENTICATION_FAILED with a message, then the
// connection closes; the reason (unknown user, wrong proof, malformed message) goes to the broker's log.
// - v1+: sessionLifetimeMs is 0: sessions do not expire, re-authentication (KIP-368) is not offered.
// Not implemented: GSSAPI, OAUTHBEARER, delegation tokens (SCRAM tokenauth).

import { ErrorCode } from '../../protocol/error-codes.ts';
import { SaslAuthenticate } from '../../protocol/messages/36-sasl-authenticate.ts';
import { defineHandler } from '../registry.ts';

export const saslAuthenticateHandler = defineHandler({
  api: SaslAuthenticate,
  minVersion: 0,
  maxVersion: 2,
  async handle(req, { sasl }) {
    const res = SaslAuthenticate.response.zero();
    if (sasl === null) {
      res.errorCode = ErrorCode.ILLEGAL_SASL_STATE;
      res.errorMessage = 'SASL is not enabled on this listener';
      return res;
    }
    const reply = await sasl.authenticate(req.authBytes);
    res.errorCode = reply.errorCode;
    res.errorMessage = reply.errorMessage;
    res.authBytes = reply.authBytes;
    res.sessionLifetimeMs = 0;
    return res;
  },
});
