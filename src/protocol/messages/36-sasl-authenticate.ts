// SaslAuthenticate (key 36), versions 0-2. Flexible from v2.
// - v1 adds sessionLifetimeMs to the response (0: the session does not expire, no re-authentication).
// One request carries one SASL token from the client; the response carries the server's next token.

import { api } from '../api.ts';
import { bytes, f, int16, int64, message, nullable, string } from '../schema.ts';

export const SaslAuthenticateRequest = message({
  apiKey: 36,
  name: 'SaslAuthenticateRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    authBytes: f(bytes, '0+'),
  },
});

export const SaslAuthenticateResponse = message({
  apiKey: 36,
  name: 'SaslAuthenticateResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    errorCode: f(int16, '0+'),
    errorMessage: f(nullable(string), '0+'),
    authBytes: f(bytes, '0+'),
    sessionLifetimeMs: f(int64, '1+'),
  },
});

export const SaslAuthenticate = api(SaslAuthenticateRequest, SaslAuthenticateResponse);
