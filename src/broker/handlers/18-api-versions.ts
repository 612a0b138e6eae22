// ApiVersions (key 18), versions 0-3. The list is built from the handler registry, so what we advertise
// is exactly what we serve. An unsupported request version never reaches this handler: the connection
// answers it with a v0 body and UNSUPPORTED_VERSION (KIP-511).

import { ApiVersions } from '../../protocol/messages/18-api-versions.ts';
import type { Registry } from '../registry.ts';
import { defineHandler } from '../registry.ts';

export function apiVersionsHandler(registry: () => Registry) {
  return defineHandler({
    api: ApiVersions,
    minVersion: 0,
    maxVersion: 3,
    handle() {
      const res = ApiVersions.response.zero();
      res.apiKeys = registry().all().map((h) => ({ apiKey: h.api.key, minVersion: h.minVersion, maxVersion: h.maxVersion }));
      return res;
    },
  });
}
