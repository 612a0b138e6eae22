// What every handler can reach: the broker's configuration, its identity on the wire, the topic store and
// the logger. One instance per running broker.

import type { Logger } from 'pino';
import type { TopicStore } from './topic-store.ts';

export interface BrokerConfig {
  host: string;
  port: number;
  // Host and port written into Metadata/FindCoordinator; defaults to the bound address.
  advertisedHost: string | null;
  dataDir: string;
  defaultPartitions: number;
  autoCreateTopics: boolean;
  maxFrameBytes: number;
  nodeId: number;
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
};

export interface BrokerContext {
  readonly config: BrokerConfig;
  readonly clusterId: string;
  readonly topics: TopicStore;
  readonly logger: Logger;
  // The address clients should use: the advertised host and the port actually bound (port 0 → real port).
  endpoint(): { host: string; port: number };
}
