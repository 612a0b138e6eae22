// The dashboard's HTTP side: JSON API, Prometheus metrics, one Server-Sent Events stream and the static
// page built by Vite from src/dashboard/web.
//
// buildDashboard() assembles the fastify app around a Hub without listening (tests use inject or port 0);
// startDashboard() adds the Kafka side (topic reader, cluster poller) and listens on 127.0.0.1 unless
// told otherwise.
//
// Event stream: SSE rather than WebSocket because the flow is one-way, it is plain HTTP (CSP
// connect-src 'self', proxies, curl), and the browser reconnects by itself. A client whose socket buffer
// is full gets no more updates until it drains and then one fresh snapshot, so a slow tab is skipped
// forward instead of receiving a growing backlog.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaSecurity } from '../kafka-security.ts';
import fastifyStatic from '@fastify/static';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DEFAULT_LOOKUP, TransactionLookup } from './account-transactions.ts';
import { accessHook, allowedHosts, type DashboardAccess } from './access.ts';
import { ClusterPoller } from './cluster-poller.ts';
import { Hub, type HubOptions } from './hub.ts';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './prometheus.ts';
import { TopicReader } from './topic-reader.ts';
import { DETECTION_NEEDS_LABELS, RANGES, type CaseDetailView, type RangeName, type StreamMessage } from './views.ts';

export const WEB_DIST = fileURLToPath(new URL('./web/dist/', import.meta.url));

// No inline script or style anywhere: the page is one bundled module and one stylesheet, Chart.js styles
// its canvas through the CSSOM (not governed by style-src), and data reaches the DOM as text only, which
// Trusted Types enforce: any innerHTML-style sink with a string throws instead of parsing markup.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface DashboardAppOptions {
  hub: Hub;
  staticDir?: string | null; // built page; null serves the API only
  logger?: Logger;
  maxStreamClients?: number;
  heartbeatMs?: number; // SSE comment line that keeps idle proxies from closing the stream
  access?: DashboardAccess; // Host names answered and the token (access.ts); default: loopback names, no token
  transactions?: TransactionLookup | null; // reads a case's account transactions from bank_alerts; null: not shown
}

// Transactions of the account in a case view, at most.
const CASE_TRANSACTIONS = 50;
// Related cases in a case view, at most.
const RELATED_CASES = 20;

export function buildDashboard(options: DashboardAppOptions): FastifyInstance {
  const { hub } = options;
  const maxStreamClients = options.maxStreamClients ?? 64;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    // Per-request lines would drown the log at a page's polling rate; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Open event streams would otherwise keep close() waiting forever.
    forceCloseConnections: true,
  });
  const streams = new Set<ServerResponse>();

  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  app.addHook('onRequest', accessHook(options.access ?? { allowedHosts: allowedHosts('127.0.0.1'), token: null }));
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });

  app.get('/api/summary', async () => hub.summary());

  app.get('/api/detection', async () => {
    const detection = hub.detectionSummary();
    return { detection, note: detection === null ? DETECTION_NEEDS_LABELS : null };
  });

  app.get<{ Querystring: { limit: number } }>('/api/alerts', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: hub.alerts.capacity, default: 50 } }, additionalProperties: false } },
  }, async (req) => ({ alerts: hub.alerts.recent(req.query.limit) }));

  app.get<{ Querystring: { limit: number } }>('/api/cases', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: hub.cases.capacity, default: 50 } }, additionalProperties: false } },
  }, async (req) => ({ total: hub.cases.size, cases: hub.cases.queue(req.query.limit) }));

  app.get<{ Params: { id: string } }>('/api/cases/:id', {
    schema: { params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 300 } }, required: ['id'] } },
  }, async (req, reply): Promise<CaseDetailView | { error: string }> => {
    const c = hub.cases.get(req.params.id);
    if (c === undefined) {
      reply.code(404);
      return { error: 'no such case (or no longer held)' };
    }
    const alerts = [];
    const missingAlertIds = [];
    for (const id of c.alert_ids) {
      const a = hub.alerts.get(id);
      if (a === undefined) missingAlertIds.push(id);
      else alerts.push(a);
    }
    alerts.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
    const transactions = options.transactions
      ? await options.transactions.around(c, alerts, CASE_TRANSACTIONS)
      : { partition: c.source.partition, fromOffset: null, toOffset: null, scanned: 0, items: [], error: 'transactions are not read by this dashboard' };
    return { case: c, alerts, missingAlertIds, related: hub.cases.related(c, RELATED_CASES), transactions };
  });

  app.get<{ Querystring: { limit: number } }>('/api/notifications', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: hub.notifications.capacity, default: 50 } }, additionalProperties: false } },
  }, async (req) => ({ notifications: hub.notifications.recent(req.query.limit) }));

  app.get<{ Querystring: { limit: number } }>('/api/windows', {
    schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: hub.windows.maxWindows, default: 120 } }, additionalProperties: false } },
  }, async (req) => ({ windows: hub.windows.recent(req.query.limit) }));

  app.get<{ Querystring: { range: RangeName } }>('/api/series', {
    schema: { querystring: { type: 'object', properties: { range: { type: 'string', enum: [...RANGES], default: '5m' } }, additionalProperties: false } },
  }, async (req) => hub.windows.series(req.query.range));

  app.get('/api/topics', async () => hub.topicsView());
  app.get('/api/groups', async () => hub.groupsView());

  app.get('/metrics', async (_req, reply) => {
    reply.type(PROMETHEUS_CONTENT_TYPE);
    return renderMetrics(hub);
  });

  app.get('/api/events', (req, reply) => {
    if (streams.size >= maxStreamClients) {
      reply.code(503).send({ error: `at most ${maxStreamClients} event-stream clients` });
      return;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    streams.add(res);
    // congested: the socket buffer is full; skipped: updates were dropped meanwhile, so the client needs a
    // snapshot once the buffer drains (and only then: a drain after a snapshot alone needs nothing).
    let congested = false;
    let skipped = false;
    const send = (m: StreamMessage) => {
      if (!res.write(`event: ${m.type}\ndata: ${JSON.stringify(m)}\n\n`)) congested = true;
    };
    res.write('retry: 2000\n\n');
    send(hub.snapshot());
    const unsubscribe = hub.subscribe((m) => {
      if (congested) skipped = true;
      else send(m);
    });
    res.on('drain', () => {
      congested = false;
      if (!skipped) return;
      skipped = false;
      send(hub.snapshot());
    });
    const ping = setInterval(() => {
      if (!congested) res.write(': ping\n\n');
    }, heartbeatMs);
    res.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      streams.delete(res);
    });
    req.log.debug({ clients: streams.size }, 'event stream opened');
  });

  // Browsers ask for it on their own; an empty answer keeps the console free of 404s.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());

  const staticDir = options.staticDir === undefined ? WEB_DIST : options.staticDir;
  if (staticDir !== null && fs.existsSync(path.join(staticDir, 'index.html'))) {
    app.register(fastifyStatic, {
      root: staticDir,
      index: ['index.html'],
      // Vite names assets by content hash, so they never change under the same name; the page itself
      // must be revalidated so a rebuilt dashboard is picked up.
      cacheControl: false,
      setHeaders: (reply, file) => {
        reply.header('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    app.get('/', async (_req, reply) => {
      reply.code(503).type('text/plain; charset=utf-8');
      return `The dashboard page has not been built (${staticDir ?? 'disabled'}). Run: npm run build:web\nThe API is up: /api/summary, /api/detection, /api/alerts, /api/cases, /api/cases/:id, /api/notifications, /api/windows, /api/series, /api/topics, /api/groups, /api/events, /metrics\n`;
    });
  }
  return app;
}

export interface DashboardOptions {
  brokers: string[];
  security?: KafkaSecurity;
  host?: string;
  port?: number;
  clientId?: string;
  logger?: Logger;
  staticDir?: string | null;
  hub?: HubOptions;
  metricsHistoryRecords?: number;
  alertsHistoryRecords?: number;
  clusterPollMs?: number;
  caseLookupRecords?: number; // bank_alerts records read per case view (account-transactions.ts)
  allowedHosts?: string[]; // names besides the bound address and the loopback ones (access.ts)
  token?: string | null; // required on every request when set (access.ts)
}

export interface RunningDashboard {
  url: string; // without the token
  token: string | null;
  port: number;
  app: FastifyInstance;
  hub: Hub;
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions, signal?: AbortSignal): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  const clientId = options.clientId ?? 'buzzline-dashboard';
  const hub = new Hub(options.hub);
  const reader = new TopicReader(hub, {
    brokers: options.brokers,
    ...(options.security ? { security: options.security } : {}),
    clientId,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metricsHistoryRecords !== undefined ? { metricsHistoryRecords: options.metricsHistoryRecords } : {}),
    ...(options.alertsHistoryRecords !== undefined ? { alertsHistoryRecords: options.alertsHistoryRecords } : {}),
  });
  const poller = new ClusterPoller(hub, {
    brokers: options.brokers,
    ...(options.security ? { security: options.security } : {}),
    clientId: `${clientId}-admin`,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.clusterPollMs !== undefined ? { intervalMs: options.clusterPollMs } : {}),
  });
  const transactions = new TransactionLookup({
    brokers: options.brokers,
    ...(options.security ? { security: options.security } : {}),
    clientId: `${clientId}-lookup`,
    ...(options.logger ? { logger: options.logger } : {}),
    maxRecords: options.caseLookupRecords ?? DEFAULT_LOOKUP.maxRecords,
  });
  const app = buildDashboard({
    hub,
    transactions,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.staticDir !== undefined ? { staticDir: options.staticDir } : {}),
    access: { allowedHosts: allowedHosts(host, options.allowedHosts), token: options.token ?? null },
  });
  await app.listen({ host, port: options.port ?? 8080 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
  reader.start();
  poller.start();

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      await app.close();
      await Promise.all([reader.close(), poller.close(), transactions.close()]);
      hub.close();
    })();
    return closing;
  };
  if (signal?.aborted) await close();
  else signal?.addEventListener('abort', () => void close(), { once: true });
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}/`, token: options.token ?? null, port, app, hub, close };
}
