// What every handler can reach: the broker's configuration, its identity on the wire, the topic store, the
// group coordinator, the idempotent-producer state and the logger. One instance per running broker.

import type { Logger } from 'pino';
import type { BufferPool } from './buffer-pool.ts';
import type { IntervalNotice } from './interval-notice.ts';
import type { GroupCoordinator } from './coordinator/group-coordinator.ts';
import type { ProducerIdAllocator } from './coordinator/producer-ids.ts';
import type { ProducerStateManager } from './coordinator/producer-state.ts';
import { DEFAULT_MAX_TOPICS, DEFAULT_MAX_TOTAL_PARTITIONS, type TopicStore } from './topic-store.ts';
import type { SecurityConfig } from './security/listener.ts';
import type { SaslServer } from './security/sasl.ts';

export interface BrokerConfig extends SecurityConfig {
  host: string;
  port: number;
  // Host and port written into Metadata/FindCoordinator; defaults to the bound address.
  advertisedHost: string | null;
  dataDir: string;
  defaultPartitions: number;
  autoCreateTopics: boolean;
  maxFrameBytes: number;
  nodeId: number;
  // Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms: JoinGroup outside the range gets
  // INVALID_SESSION_TIMEOUT.
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  // Kafka's group.initial.rebalance.delay.ms: how long a group leaving Empty waits for more members.
  groupInitialRebalanceDelayMs: number;
  // Topics, and partitions summed over them, that clients may create (internal topics aside); past them
  // CreateTopics and Metadata auto-create answer POLICY_VIOLATION.
  maxTopics: number;
  maxPartitions: number;
  // Segment files kept open at most (log/file-pool.ts); null derives it from the open-file limit.
  maxOpenSegmentFiles: number | null;
  // Request bytes all connections may hold at once (Kafka's queued.max.request.bytes): a frame whose
  // declared size would take the total past it closes its connection instead of being buffered.
  maxBufferedRequestBytes: number;
  // Largest fetch response (Kafka's broker fetch.max.bytes): a request's max_bytes and partition_max_bytes
  // are clamped to it (KIP-74's first batch may still exceed it).
  maxFetchResponseBytes: number;
  // A frame whose bytes have not all arrived this long after its size did closes the connection.
  frameTimeoutMs: number;
  // Kafka's connections.max.idle.ms: a connection with nothing sent or received this long is closed.
  idleTimeoutMs: number;
}

export const DEFAULT_BROKER_CONFIG: BrokerConfig = {
  host: '127.0.0.1',
  port: 9092,
  advertisedHost: null,
  dataDir: './data',
  defaultPartitions: 3,
  autoCreateTopics: true,
  maxFrameBytes: 100 * 1024 * 1024,
  nodeId: 1,
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  maxTopics: DEFAULT_MAX_TOPICS,
  maxPartitions: DEFAULT_MAX_TOTAL_PARTITIONS,
  maxOpenSegmentFiles: null,
  maxBufferedRequestBytes: 256 * 1024 * 1024,
  maxFetchResponseBytes: 55 * 1024 * 1024,
  frameTimeoutMs: 30_000,
  idleTimeoutMs: 600_000,
  securityProtocol: 'PLAINTEXT',
  tlsCertFile: null,
  tlsKeyFile: null,
  saslMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'],
  saslUsersFile: null,
};

export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly topics: TopicStore;
  readonly coordinator: GroupCoordinator;
  readonly producers: ProducerStateManager;
  readonly producerIds: ProducerIdAllocator;
  readonly logger: Logger;
  // The mechanisms and users when the listener requires SASL (SASL_PLAINTEXT, SASL_SSL), else null.
  readonly sasl: SaslServer | null;
  // Fetch reads and produce frames, reused (see buffer-pool.ts).
  readonly buffers: BufferPool;
  // Request bytes currently held by all connections (see maxBufferedRequestBytes).
  readonly requestMemory: { used: number };
  // Metadata auto-creates refused by the topic bounds, logged once per interval rather than per request.
  readonly autoCreateRefused: IntervalNotice;
  // The address clients should use: the advertised host and the port actually bound (port 0 → real port).
  endpoint(): { host: string; port: number };
}
