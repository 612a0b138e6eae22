// The embedded broker: a TCP server speaking the Kafka protocol over a TopicStore. Start it with
// Broker.start(), which first locks the data directory (data-dir-lock.ts); close() stops accepting,
// closes every connection (long polls end), flushes and closes the logs and releases the lock.
// With SSL / SASL_SSL the same listener is a node:tls server: connections see the decrypted stream, so
// framing and handlers do not change; SASL (security/sasl.ts) gates each connection until it logs in.

import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { createLogger } from '../logging.ts';
import { BufferPool } from './buffer-pool.ts';
import { Connection } from './connection.ts';
import { GroupCoordinator } from './coordinator/group-coordinator.ts';
import { ProducerIdAllocator } from './coordinator/producer-ids.ts';
import { ProducerStateManager } from './coordinator/producer-state.ts';
import { DEFAULT_BROKER_CONFIG } from './context.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { DataDirLock } from './data-dir-lock.ts';
import type { BrokerConfig, BrokerContext } from './context.ts';
import { buildRegistry } from './handlers/index.ts';
import { IntervalNotice } from './interval-notice.ts';
import { loadListenerSecurity } from './security/listener.ts';
import { TopicStore } from './topic-store.ts';

const RETENTION_CHECK_MS = 30_000;
const AUTO_CREATE_NOTICE_INTERVAL_MS = 60_000;

export interface BrokerOptions extends Partial<BrokerConfig> {
  logger?: Logger;
}

export class Broker {
  readonly context: BrokerContext;
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private readonly retentionTimer: NodeJS.Timeout;
  private readonly lock: DataDirLock;
  private readonly timeoutTimer: NodeJS.Timeout;
  private closing: Promise<void> | null = null;

  private constructor(context: BrokerContext, server: net.Server, lock: DataDirLock) {
    this.context = context;
    this.server = server;
    this.lock = lock;
    this.retentionTimer = setInterval(() => this.runRetention(), RETENTION_CHECK_MS);
    this.retentionTimer.unref();
    // One sweep for every connection's frame and idle timeouts, rather than a timer per frame.
    const { frameTimeoutMs, idleTimeoutMs } = context.config;
    const sweepMs = Math.max(50, Math.min(1000, Math.floor(Math.min(frameTimeoutMs, idleTimeoutMs) / 4)));
    this.timeoutTimer = setInterval(() => {
      const now = Date.now();
      for (const c of this.connections) c.checkTimeouts(now);
    }, sweepMs);
    this.timeoutTimer.unref();
  }

  static async start(options: BrokerOptions = {}): Promise<Broker> {
    const { logger: givenLogger, ...overrides } = options;
    const config: BrokerConfig = { ...DEFAULT_BROKER_CONFIG, ...overrides };
    const logger = givenLogger ?? createLogger('broker');
    // Certificates, keys and users are checked first: a mistake there must not cost a data-dir recovery.
    const security = loadListenerSecurity(config, logger);
    // Before anything in the directory is read: a second broker must not even recover the live logs.
    const lock = lockDataDir(config.dataDir, logger);
    let topics: TopicStore;
    try {
      topics = TopicStore.open(config.dataDir, {
        maxTopics: config.maxTopics,
        maxPartitions: config.maxPartitions,
        ...(config.maxOpenSegmentFiles === null ? {} : { maxOpenFiles: config.maxOpenSegmentFiles }),
      });
    } catch (err) {
      lock.release();
      throw err;
    }
    for (const t of topics.list()) {
      for (const p of t.partitions) {
        for (const cut of p.log.recoveryTruncations) logger.warn(cut, 'recovery truncated a torn or corrupt segment tail');
      }
    }
    let producers: ProducerStateManager | null = null;
    let coordinator: GroupCoordinator;
    let producerIds: ProducerIdAllocator;
    try {
      producerIds = ProducerIdAllocator.open(config.dataDir);
      producers = ProducerStateManager.open(topics, logger);
      coordinator = GroupCoordinator.open({
        dataDir: config.dataDir,
        topics,
        logger,
        config: {
          minSessionTimeoutMs: config.groupMinSessionTimeoutMs,
          maxSessionTimeoutMs: config.groupMaxSessionTimeoutMs,
          initialRebalanceDelayMs: config.groupInitialRebalanceDelayMs,
        },
      });
    } catch (err) {
      producers?.close();
      topics.close();
      lock.release();
      throw err;
    }
    const registry = buildRegistry();
    // A TLS handshake must finish within the frame timeout, as a started request frame must.
    const server = security.tls ? tls.createServer({ ...security.tls, handshakeTimeout: config.frameTimeoutMs }) : net.createServer();
    const context: BrokerContext = {
      config,
      clusterId: topics.clusterId,
      topics,
      coordinator,
      producers,
      producerIds,
      logger,
      sasl: security.sasl,
      buffers: new BufferPool(),
      requestMemory: { used: 0 },
      autoCreateRefused: new IntervalNotice(logger, AUTO_CREATE_NOTICE_INTERVAL_MS),
      endpoint: () => {
        const addr = server.address();
        const port = addr !== null && typeof addr === 'object' ? addr.port : config.port;
        return { host: config.advertisedHost ?? config.host, port };
      },
    };
    const broker = new Broker(context, server, lock);
    let nextId = 1;
    server.on(security.tls ? 'secureConnection' : 'connection', (socket: net.Socket) => {
      const conn = new Connection(nextId++, socket, context, registry);
      broker.connections.add(conn);
      socket.on('close', () => broker.connections.delete(conn));
    });
    // A client speaking plaintext to the TLS listener (or with a certificate it rejects) ends here: Node
    // has already dropped that socket; one line in the log, nothing else is affected.
    server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      logger.warn({ remote: socket.remoteAddress, err: err.message }, 'TLS handshake failed, connection closed');
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: config.host, port: config.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      clearInterval(broker.retentionTimer);
      clearInterval(broker.timeoutTimer);
      coordinator.close();
      producers.close();
      topics.close();
      lock.release();
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new Error(`cannot listen on ${config.host}:${config.port}: the port is already in use`, { cause: err });
      if (code === 'EADDRNOTAVAIL') throw new Error(`cannot listen on ${config.host}:${config.port}: no such local address`, { cause: err });
      throw err;
    }
    server.on('error', (err) => logger.error({ err }, 'server error'));
    const { host, port } = context.endpoint();
    const saslMechanisms = security.sasl?.mechanisms;
    logger.info({ host, port, dataDir: config.dataDir, topics: topics.list().length, securityProtocol: config.securityProtocol, saslMechanisms }, 'broker listening');
    return broker;
  }

  address(): { host: string; port: number } {
    return this.context.endpoint();
  }

  // "host:port" for clients' bootstrap lists.
  get bootstrap(): string {
    const { host, port } = this.address();
    return `${host}:${port}`;
  }

  // Resolves once no client is connected, or after timeoutMs: a broker stopping together with its
  // clients (the parts of an orphaned `buzzline start`) lets them commit and leave first.
  async clientsGone(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearInterval(this.retentionTimer);
      clearInterval(this.timeoutTimer);
      this.server.close(() => resolve());
      for (const c of this.connections) c.close();
    }).then(() => {
      this.context.coordinator.close();
      // Snapshots of the producer state are taken at the logs' end offsets, so before the logs close.
      this.context.producers.close();
      this.context.topics.flush();
      this.context.topics.close();
      this.lock.release();
      this.context.logger.info('broker stopped');
    });
    return this.closing;
  }

  private runRetention(): void {
    try {
      this.context.topics.applyRetention(Date.now());
    } catch (err) {
      this.context.logger.error({ err }, 'retention failed');
    }
  }
}
