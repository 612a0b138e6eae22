// Topics and their partition logs. Topic metadata (name, id, partition count, explicit configs) and the
// cluster id live in one JSON file in the data directory, replaced atomically (write, fsync, rename) so a
// crash leaves either the old or the new version. Each partition's log lives in `<topic>-<partition>/`,
// the layout Kafka uses, so the files are recognisable to anyone who has looked inside a Kafka data dir.

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../protocol/error-codes.ts';
import { validateTopicConfigs, topicLogConfig } from './topic-config.ts';
import { collisionKey, isInternalTopic } from './topic-names.ts';
import { PartitionLog } from './log/partition-log.ts';

const META_FILE = 'buzzline-meta.json';
const LEGAL_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_NAME_LENGTH = 249;
export const MAX_PARTITIONS = 10_000;

export class TopicError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export interface Partition {
  readonly topic: Topic;
  readonly index: number;
  readonly log: PartitionLog;
  // Long-polling fetches waiting for data on this partition, told how many bytes were appended.
  readonly waiters: Set<(bytes: number) => void>;
}

export interface Topic {
  readonly name: string;
  readonly id: string;
  readonly configs: Readonly<Record<string, string>>;
  readonly partitions: Partition[];
}

interface StoredTopic {
  name: string;
  id: string;
  partitions: number;
  configs: Record<string, string>;
}

interface StoredMeta {
  clusterId: string;
  topics: StoredTopic[];
}

export function validateTopicName(name: string): void {
  if (name.length === 0 || name === '.' || name === '..') throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `illegal topic name "${name}"`);
  if (name.length > MAX_NAME_LENGTH) throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name longer than ${MAX_NAME_LENGTH} characters`);
  if (!LEGAL_NAME.test(name)) throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name "${name}" has characters other than [a-zA-Z0-9._-]`);
}

export class TopicStore {
  readonly dataDir: string;
  readonly clusterId: string;
  private readonly byName = new Map<string, Topic>();
  private readonly byId = new Map<string, Topic>();

  private constructor(dataDir: string, clusterId: string) {
    this.dataDir = dataDir;
    this.clusterId = clusterId;
  }

  // Loads (and recovers) every topic in dataDir, creating the directory on first start.
  static open(dataDir: string): TopicStore {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
      fs.accessSync(dataDir, fs.constants.W_OK);
    } catch (err) {
      throw new Error(`cannot use data directory ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    const metaPath = path.join(dataDir, META_FILE);
    let meta: StoredMeta;
    if (fs.existsSync(metaPath)) {
      try {
        meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as StoredMeta;
      } catch (err) {
        throw new Error(`cannot read ${metaPath}: ${(err as Error).message}`, { cause: err });
      }
    } else {
      meta = { clusterId: randomClusterId(), topics: [] };
    }
    const store = new TopicStore(dataDir, meta.clusterId);
    for (const t of meta.topics) store.load(t);
    store.persist();
    return store;
  }

  get(name: string): Topic | undefined {
    return this.byName.get(name);
  }

  getById(id: string): Topic | undefined {
    return this.byId.get(id);
  }

  list(): Topic[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  partition(topic: string, index: number): Partition | undefined {
    return this.byName.get(topic)?.partitions[index];
  }

  // Checks everything CreateTopics would check, without creating anything (validateOnly).
  validateCreate(name: string, numPartitions: number, configs: Readonly<Record<string, string | null>>): Record<string, string> {
    validateTopicName(name);
    if (this.byName.has(name)) throw new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${name} already exists`);
    // Kafka's words (KRaft) and code for a reserved name.
    if (isInternalTopic(name)) throw new TopicError(ErrorCode.INVALID_REQUEST, `Creation of internal topic ${name} is prohibited.`);
    const key = collisionKey(name);
    for (const other of this.byName.keys()) {
      if (collisionKey(other) === key) {
        throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic ${name} collides with existing topic ${other}: names that differ only in '.' and '_' are not allowed`);
      }
    }
    if (!Number.isInteger(numPartitions) || numPartitions < 1 || numPartitions > MAX_PARTITIONS) {
      throw new TopicError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${numPartitions}`);
    }
    return validateTopicConfigs(configs);
  }

  create(name: string, numPartitions: number, configs: Readonly<Record<string, string | null>> = {}): Topic {
    const valid = this.validateCreate(name, numPartitions, configs);
    const topic = this.load({ name, id: randomUUID(), partitions: numPartitions, configs: valid });
    this.persist();
    return topic;
  }

  delete(name: string): void {
    const topic = this.byName.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${name}`);
    this.byName.delete(name);
    this.byId.delete(topic.id);
    // Metadata first: a crash between the two steps leaves orphan directories, never a topic without logs.
    this.persist();
    for (const p of topic.partitions) {
      // Waiting fetches return at once and find the topic gone.
      for (const wake of p.waiters) wake(Number.POSITIVE_INFINITY);
      p.log.deleteAll();
    }
  }

  // Wakes the long polls waiting on a partition after an append of `bytes`.
  notifyAppend(p: Partition, bytes: number): void {
    for (const wake of p.waiters) wake(bytes);
  }

  applyRetention(now: number): void {
    for (const t of this.byName.values()) for (const p of t.partitions) p.log.applyRetention(now);
  }

  flush(): void {
    for (const t of this.byName.values()) for (const p of t.partitions) p.log.flush();
  }

  close(): void {
    for (const t of this.byName.values()) for (const p of t.partitions) p.log.close();
    this.byName.clear();
    this.byId.clear();
  }

  private load(stored: StoredTopic): Topic {
    const config = topicLogConfig(stored.configs);
    const partitions: Partition[] = [];
    const topic: Topic = { name: stored.name, id: stored.id, configs: stored.configs, partitions };
    for (let i = 0; i < stored.partitions; i++) {
      const log = PartitionLog.open(path.join(this.dataDir, `${stored.name}-${i}`), config);
      partitions.push({ topic, index: i, log, waiters: new Set() });
    }
    this.byName.set(topic.name, topic);
    this.byId.set(topic.id, topic);
    return topic;
  }

  private persist(): void {
    const meta: StoredMeta = {
      clusterId: this.clusterId,
      topics: this.list().map((t) => ({ name: t.name, id: t.id, partitions: t.partitions.length, configs: { ...t.configs } })),
    };
    const file = path.join(this.dataDir, META_FILE);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, JSON.stringify(meta, null, 2));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }
}

// Kafka cluster ids are 16 random bytes in URL-safe base64 without padding.
function randomClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}
