// ApiVersions (key 18), versions 0-3. Flexible from v3. The response is always sent with response header
// v0, and a request with a version we do not support is answered with a v0 body carrying
// UNSUPPORTED_VERSION and our ranges, so the client can retry with one we speak.

import { api } from '../api.ts';
import { array, bool, f, int16, int32, int64, message, string, struct } from '../schema.ts';

export const ApiVersionsRequest = message({
  apiKey: 18,
  name: 'ApiVersionsRequest',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    clientSoftwareName: f(string, '3+'),
    clientSoftwareVersion: f(string, '3+'),
  },
});

export const ApiVersionsResponse = message({
  apiKey: 18,
  name: 'ApiVersionsResponse',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: {
    errorCode: f(int16, '0+'),
    apiKeys: f(array(struct({
      apiKey: f(int16, '0+'),
      minVersion: f(int16, '0+'),
      maxVersion: f(int16, '0+'),
    })), '0+'),
    throttleTimeMs: f(int32, '1+'),
    supportedFeatures: f(array(struct({
      name: f(string, '3+'),
      minVersion: f(int16, '3+'),
      maxVersion: f(int16, '3+'),
    })), '3+', { tag: 0 }),
    finalizedFeaturesEpoch: f(int64, '3+', { tag: 1, default: -1 }),
    finalizedFeatures: f(array(struct({
      name: f(string, '3+'),
      maxVersionLevel: f(int16, '3+'),
      minVersionLevel: f(int16, '3+'),
    })), '3+', { tag: 2 }),
    zkMigrationReady: f(bool, '3+', { tag: 3, default: false }),
  },
});

export const ApiVersions = api(ApiVersionsRequest, ApiVersionsResponse);
