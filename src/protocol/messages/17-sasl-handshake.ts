// SaslHandshake (key 17), versions 0-1. Never flexible (KAFKA-9577: clients <= 2.4 negotiate it wrongly,
// so Kafka froze it). v0: the SASL tokens that follow travel as raw size-prefixed frames without a
// request header; v1: they travel inside SaslAuthenticate (key 36) requests.

import { api } from '../api.ts';
import { array, f, int16, message, string } from '../schema.ts';

export const SaslHandshakeRequest = message({
  apiKey: 17,
  name: 'SaslHandshakeRequest',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: {
    mechanism: f(string, '0+'),
  },
});

export const SaslHandshakeResponse = message({
  apiKey: 17,
  name: 'SaslHandshakeResponse',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: {
    errorCode: f(int16, '0+'),
    mechanisms: f(array(string), '0+'),
  },
});

export const SaslHandshake = api(SaslHandshakeRequest, SaslHandshakeResponse);
