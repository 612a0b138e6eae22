// An API is a request schema and a response schema under one key. Header versions follow from the
// schemas: flexible versions use request header v2 / response header v1, except that ApiVersions always
// answers with response header v0 (a client that does not yet know our versions must be able to read it).

import type { Message } from './schema.ts';

export interface Api<Req, Res> {
  readonly key: number;
  readonly name: string;
  readonly request: Message<Req>;
  readonly response: Message<Res>;
}

export function api<Req, Res>(request: Message<Req>, response: Message<Res>): Api<Req, Res> {
  if (request.apiKey !== response.apiKey) throw new Error(`${request.name}/${response.name}: api keys differ`);
  return { key: request.apiKey, name: request.name.replace(/Request$/, ''), request, response };
}

export const API_VERSIONS_KEY = 18;

export function requestHeaderVersion(a: Api<unknown, unknown>, version: number): 1 | 2 {
  return a.request.isFlexible(version) ? 2 : 1;
}

export function responseHeaderVersion(a: Api<unknown, unknown>, version: number): 0 | 1 {
  if (a.key === API_VERSIONS_KEY) return 0;
  return a.response.isFlexible(version) ? 1 : 0;
}
