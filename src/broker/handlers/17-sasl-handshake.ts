// SaslHandshake (key 17), versions 0-1. Picks the SASL mechanism for this connection from those the
// broker enables (--sasl-mechanisms: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and answers with the list.
// - v0: the tokens that follow are raw size-prefixed frames with no request header (pre-1.0 clients).
// - v1: the tokens come in SaslAuthenticate (key 36) requests.
// A mechanism not enabled gets UNSUPPORTED_SASL_MECHANISM and the connection closes after the answer.
// On a listener without SASL (PLAINTEXT, SSL), or a second handshake on an authenticated connection
// (re-authentication is not offered), the answer is ILLEGAL_SASL_STATE, as Kafka's.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { SaslHandshake } from '../../protocol/messages/17-sasl-handshake.ts';
import { defineHandler } from '../registry.ts';

export const saslHandshakeHandler = defineHandler({
  api: SaslHandshake,
  minVersion: 0,
  maxVersion: 1,
  handle(req, { sasl, header }) {
    const res = SaslHandshake.response.zero();
    if (sasl === null) {
      res.errorCode = ErrorCode.ILLEGAL_SASL_STATE;
      return res;
    }
    const { errorCode, mechanisms } = sasl.handshake(req.mechanism, header.apiVersion);
    res.errorCode = errorCode;
    res.mechanisms = mechanisms;
    return res;
  },
});
