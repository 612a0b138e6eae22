// Handler registry. Every handler states the version range it serves; ApiVersions is answered from these
// registrations, so the versions we advertise cannot drift from the code that serves them.

import type { Api } from '../protocol/api.ts';
import type { RequestHeader } from '../protocol/header.ts';
import type { BrokerContext } from './context.ts';
import type { SaslSession } from './security/sasl.ts';

export interface RequestContext {
  readonly broker: BrokerContext;
  readonly header: RequestHeader;
  readonly connectionId: number;
  // The client's address as Kafka reports it in DescribeGroups ("/127.0.0.1").
  readonly clientHost: string;
  // Aborted when the connection closes or the broker shuts down; long polls stop waiting.
  readonly signal: AbortSignal;
  // The connection's SASL state on a SASL_PLAINTEXT / SASL_SSL listener, null on the others.
  readonly sasl: SaslSession | null;
  // A buffer for bytes this request's response carries (fetched records). It goes back to the broker's
  // BufferPool once the response is written, so nothing may keep it past the response.
  lease(size: number): Buffer;
}

// A handler returns the response body, or null when the request gets no response (Produce with acks=0).
export interface Handler<Req, Res> {
  readonly api: Api<Req, Res>;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(req: Req, ctx: RequestContext): Res | null | Promise<Res | null>;
}

// Type-erased view used by the connection, which only moves decoded values between codec and handler.
export interface RegisteredHandler {
  readonly api: Api<unknown, unknown>;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(req: unknown, ctx: RequestContext): unknown;
}

export function defineHandler<Req, Res>(h: Handler<Req, Res>): RegisteredHandler {
  const { api, minVersion, maxVersion } = h;
  if (minVersion < api.request.versions.min || maxVersion > api.request.versions.max) {
    throw new Error(`${api.name}: handler versions ${minVersion}-${maxVersion} exceed the schema's`);
  }
  return {
    api: api as unknown as Api<unknown, unknown>,
    minVersion,
    maxVersion,
    handle: (req, ctx) => h.handle(req as Req, ctx),
  };
}

export class Registry {
  private readonly byKey = new Map<number, RegisteredHandler>();

  constructor(handlers: readonly RegisteredHandler[]) {
    for (const h of handlers) {
      if (this.byKey.has(h.api.key)) throw new Error(`duplicate handler for api key ${h.api.key}`);
      this.byKey.set(h.api.key, h);
    }
  }

  get(apiKey: number): RegisteredHandler | undefined {
    return this.byKey.get(apiKey);
  }

  // Sorted by api key, as ApiVersions lists them.
  all(): RegisteredHandler[] {
    return [...this.byKey.values()].sort((a, b) => a.api.key - b.api.key);
  }
}
