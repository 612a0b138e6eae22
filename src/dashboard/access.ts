// Who may use the dashboard. Two checks, before any route runs:
//
// Host: a page on any web site can make the browser send requests to 127.0.0.1 by pointing a name of its
// own at that address (DNS rebinding); the browser then treats the answers as that site's, and its script
// can read them. Such a request carries the attacker's name in its Host header, so only the names this
// server is known by are answered: the address it binds, localhost, 127.0.0.1 and [::1], the machine's
// own addresses and name when it binds a wildcard address, and whatever --allowed-hosts adds (a reverse
// proxy's name). Anything else gets 403 with a line saying how to allow it.
//
// Token (optional; generated when the dashboard binds a non-loopback address without one, since then
// anyone on the network could read it): required on every route, the page, the API, the event stream and
// /metrics alike. It is accepted as `Authorization: Bearer <token>`, as a cookie, or once as `?token=`: a
// page visit with a good `?token=` sets the cookie (HttpOnly, SameSite=Strict) and is redirected to the
// same address without it, so the token does not stay in the address bar and history, and the page's
// own requests (fetch, EventSource) carry the cookie from then on.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import os from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const TOKEN_ENV = 'DASHBOARD_TOKEN';
export const TOKEN_COOKIE = 'buzzline_dashboard_token';

export interface DashboardAccess {
  allowedHosts: ReadonlySet<string>; // lower case, IPv6 without brackets, no port
  token: string | null;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

export function isLoopback(host: string): boolean {
  const h = bare(host);
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function isWildcard(host: string): boolean {
  const h = bare(host);
  return h === '0.0.0.0' || h === '::' || h === '';
}

// Lower case, without the brackets of an IPv6 literal.
function bare(host: string): string {
  const h = host.trim().toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

// The names the dashboard answers to when it binds bindHost, plus extra ones.
export function allowedHosts(bindHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set([...LOOPBACK_NAMES, bare(bindHost), ...extra.map(bare)]);
  if (isWildcard(bindHost)) {
    names.add(os.hostname().toLowerCase());
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(bare(a.address));
  }
  names.delete('');
  return names;
}

// --token, else DASHBOARD_TOKEN, else a new random one when the dashboard is reachable from the network.
export function resolveToken(bindHost: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  const given = flag ?? env[TOKEN_ENV];
  if (given !== undefined && given !== '') return given;
  return isLoopback(bindHost) ? null : randomBytes(24).toString('base64url');
}

// The address to open: with the token, when there is one.
export function urlWithToken(url: string, token: string | null): string {
  return token === null ? url : `${url}?token=${encodeURIComponent(token)}`;
}

// The Host header's name: without the port, lower case, IPv6 without brackets; null when malformed.
export function hostName(header: string | undefined): string | null {
  if (header === undefined || header === '') return null;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 1 && (end === h.length - 1 || /^:\d+$/.test(h.slice(end + 1))) ? h.slice(1, end) : null;
  }
  const m = /^([^:\s]+)(?::\d+)?$/.exec(h);
  return m?.[1] ?? null;
}

export function accessHook(access: DashboardAccess) {
  const allowed = [...access.allowedHosts].map((h) => (h.includes(':') ? `[${h}]` : h)).join(', ');
  const expected = access.token === null ? null : digest(access.token);
  const matches = (candidate: string | undefined): boolean => {
    if (expected === null || candidate === undefined) return false;
    return timingSafeEqual(digest(candidate), expected);
  };
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const host = hostName(req.headers.host);
    if (host === null || !access.allowedHosts.has(host)) {
      reply.code(403).type('text/plain; charset=utf-8')
        .send(`Host "${req.headers.host ?? ''}" is not allowed: this dashboard answers to ${allowed}. To reach it by another name, start it with --allowed-hosts NAME.\n`);
      return reply;
    }
    if (expected === null) return;
    const url = new URL(req.url, 'http://dashboard.invalid');
    const queryToken = url.searchParams.get('token') ?? undefined;
    if (matches(queryToken)) {
      reply.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(access.token ?? '')}; Path=/; HttpOnly; SameSite=Strict`);
      // A page (or any GET) opened with the token: the cookie is set, the token leaves the address.
      if (req.method === 'GET' && !url.pathname.startsWith('/api/') && url.pathname !== '/metrics') {
        url.searchParams.delete('token');
        // One leading slash: "//name" would send the browser to another site.
        reply.redirect(`/${url.pathname.replace(/^\/+/, '')}${url.search}`, 303);
        return reply;
      }
      return;
    }
    if (matches(bearer(req.headers.authorization)) || matches(cookie(req.headers.cookie, TOKEN_COOKIE))) return;
    reply.code(401).header('www-authenticate', 'Bearer realm="buzzline dashboard"').type('text/plain; charset=utf-8')
      .send('This dashboard needs its access token: open the address it printed at start (ending in ?token=...), or send "Authorization: Bearer TOKEN" (the token is --token or DASHBOARD_TOKEN).\n');
    return reply;
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
