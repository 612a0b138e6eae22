// Topics and their partition logs. Topic metadata (name, id, partition count, explicit configs) and the
// cluster id live in one JSON file in the data directory, replaced atomically (write, fsync, rename) so a
// crash leaves either the old or the new version. Each partition's log lives in `<topic>-<partition>/`,
// the layout Kafka uses, so the files are recognisable to anyone who has looked inside a Kafka data dir.
//
// Every partition's segment files are opened through one FilePool (log/file-pool.ts), bounded by the
// process's open-file limit, so the number of partitions is not. What a create still consumes for good is
// a directory and three files per partition: it is checked against the file system's free inodes before
// anything is made, and a create that fails part way (any file system error) is rolled back, so it
// leaves neither directories nor a topic behind and answers an error code.

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../protocol/error-codes.ts';
import { validateTopicConfigs, topicLogConfig } from './topic-config.ts';
import { FILES_PER_SEGMENT, FilePool, segmentFileBudget } from './log/file-pool.ts';
import { nodeFs } from './log/log-fs.ts';
import type { LogFs } from './log/log-fs.ts';
import { collisionKey, isInternalTopic } from './topic-names.ts';
import { MAX_TOPIC_NAME_LENGTH, TOPIC_NAME_CHARACTERS } from '../kafka-topic-names.ts';
import { PartitionLog } from './log/partition-log.ts';

const META_FILE = 'buzzline-meta.json';
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
  // A broker-owned topic (__consumer_offsets): listed as internal, never written, created or deleted by
  // clients.
  readonly internal: boolean;
  readonly configs: Readonly<Record<string, string>>;
  readonly partitions: Partition[];
}

// What is wrong with a parsed metadata file, or null when it has the shape this broker writes.
function metaProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const m = v as Record<string, unknown>;
  if (typeof m.clusterId !== 'string' || m.clusterId === '') return '"clusterId" is not a string';
  if (!Array.isArray(m.topics)) return '"topics" is not an array';
  for (const [i, t] of (m.topics as unknown[]).entries()) {
    if (typeof t !== 'object' || t === null) return `topics[${i}] is not an object`;
    const r = t as Record<string, unknown>;
    if (typeof r.name !== 'string' || r.name === '') return `topics[${i}].name is not a string`;
    if (typeof r.id !== 'string') return `topic ${r.name}: "id" is not a string`;
    if (typeof r.partitions !== 'number' || !Number.isSafeInteger(r.partitions) || r.partitions < 1) return `topic ${r.name}: "partitions" is not a positive integer`;
    if (typeof r.configs !== 'object' || r.configs === null || Array.isArray(r.configs) || Object.values(r.configs).some((c) => typeof c !== 'string')) return `topic ${r.name}: "configs" is not an object of strings`;
  }
  return null;
}

interface StoredTopic {
  name: string;
  id: string;
  partitions: number;
  configs: Record<string, string>;
  internal?: true;
}

export interface TopicStoreOptions {
  // File system for the partition logs (tests inject faults); the metadata file always uses node:fs.
  fs?: LogFs;
  // Segment files kept open at most; by default derived from the process's open-file limit.
  maxOpenFiles?: number;
  // Bounds on what clients may create (CreateTopics and Metadata auto-create alike): topics, and their
  // partitions summed. The broker's own internal topics do not count.
  maxTopics?: number;
  maxPartitions?: number;
}

// Defaults of the bounds above. Descriptors no longer limit topics (the file pool does), but every
// partition still costs a directory, three files and some memory, and a client that auto-creates every
// name it is asked for (a typo in a loop, a scanner) should hit a limit, not the disk.
export const DEFAULT_MAX_TOPICS = 1000;
export const DEFAULT_MAX_TOTAL_PARTITIONS = 20_000;

// What a new partition leaves on disk: its directory and its first segment's files.
const INODES_PER_PARTITION = 1 + FILES_PER_SEGMENT;

interface StoredMeta {
  clusterId: string;
  topics: StoredTopic[];
}

export function validateTopicName(name: string): void {
  if (name.length === 0 || name === '.' || name === '..') throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `illegal topic name "${name}"`);
  if (name.length > MAX_TOPIC_NAME_LENGTH) throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name longer than ${MAX_TOPIC_NAME_LENGTH} characters`);
  if (!TOPIC_NAME_CHARACTERS.test(name)) throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic name "${name}" has characters other than [a-zA-Z0-9._-]`);
}

export class TopicStore {
  readonly dataDir: string;
  readonly clusterId: string;
  readonly files: FilePool;
  private readonly fs: LogFs;
  private readonly maxTopics: number;
  private readonly maxPartitions: number;
  private readonly byName = new Map<string, Topic>();
  private readonly byId = new Map<string, Topic>();

  private constructor(dataDir: string, clusterId: string, options: TopicStoreOptions) {
    this.dataDir = dataDir;
    this.clusterId = clusterId;
    this.fs = options.fs ?? nodeFs;
    this.files = new FilePool(this.fs, options.maxOpenFiles ?? segmentFileBudget());
    this.maxTopics = options.maxTopics ?? DEFAULT_MAX_TOPICS;
    this.maxPartitions = options.maxPartitions ?? DEFAULT_MAX_TOTAL_PARTITIONS;
  }

  // Loads (and recovers) every topic in dataDir, creating the directory on first start.
  static open(dataDir: string, options: TopicStoreOptions = {}): TopicStore {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
      fs.accessSync(dataDir, fs.constants.W_OK);
    } catch (err) {
      throw new Error(`cannot use data directory ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    const metaPath = path.join(dataDir, META_FILE);
    let meta: StoredMeta;
    if (fs.existsSync(metaPath)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
      } catch (err) {
        throw new Error(`cannot read ${metaPath}: ${(err as Error).message}; restore it from a backup (the broker does not overwrite it)`, { cause: err });
      }
      const problem = metaProblem(parsed);
      if (problem !== null) throw new Error(`damaged metadata file ${metaPath}: ${problem}; restore it from a backup (the broker does not overwrite it)`);
      meta = parsed as StoredMeta;
    } else {
      // A new cluster only in an empty directory: topic data without its metadata would be hidden (and
      // the metadata written over it), so it is refused instead.
      const data = fs.readdirSync(dataDir).filter((n) => /-\d+$/.test(n) && fs.statSync(path.join(dataDir, n)).isDirectory());
      if (data.length > 0) {
        throw new Error(`cluster metadata file ${metaPath} is missing but ${dataDir} holds topic data (${data.slice(0, 3).join(', ')}${data.length > 3 ? ', ...' : ''}): restore the file, or remove the data directory to start a new cluster`);
      }
      meta = { clusterId: randomClusterId(), topics: [] };
    }
    const store = new TopicStore(dataDir, meta.clusterId, options);
    try {
      for (const t of meta.topics) store.load(t);
      store.persist();
    } catch (err) {
      store.close();
      throw err;
    }
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
    // Kafka's words (KRaft) and code for a reserved name, whether the broker has made that topic yet or not.
    if (isInternalTopic(name)) throw new TopicError(ErrorCode.INVALID_REQUEST, `Creation of internal topic ${name} is prohibited.`);
    if (this.byName.has(name)) throw new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${name} already exists`);
    const key = collisionKey(name);
    for (const other of this.byName.keys()) {
      if (collisionKey(other) === key) {
        throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `topic ${name} collides with existing topic ${other}: names that differ only in '.' and '_' are not allowed`);
      }
    }
    if (!Number.isInteger(numPartitions) || numPartitions < 1 || numPartitions > MAX_PARTITIONS) {
      throw new TopicError(ErrorCode.INVALID_PARTITIONS, `number of partitions must be between 1 and ${MAX_PARTITIONS}, got ${numPartitions}`);
    }
    this.checkBounds(name, numPartitions);
    return validateTopicConfigs(configs);
  }

  // Kafka has no such limit of its own; a create policy that refuses answers POLICY_VIOLATION, and so
  // does this.
  private checkBounds(name: string, numPartitions: number): void {
    let topics = 0;
    let partitions = 0;
    for (const t of this.byName.values()) {
      if (t.internal) continue;
      topics++;
      partitions += t.partitions.length;
    }
    if (topics + 1 > this.maxTopics) {
      throw new TopicError(ErrorCode.POLICY_VIOLATION, `cannot create topic ${name}: the broker holds ${topics} topics, its limit (--max-topics ${this.maxTopics})`);
    }
    if (partitions + numPartitions > this.maxPartitions) {
      throw new TopicError(
        ErrorCode.POLICY_VIOLATION,
        `cannot create topic ${name} with ${numPartitions} partitions: the broker holds ${partitions} of at most ${this.maxPartitions} (--max-partitions)`,
      );
    }
  }

  create(name: string, numPartitions: number, configs: Readonly<Record<string, string | null>> = {}): Topic {
    const valid = this.validateCreate(name, numPartitions, configs);
    return this.createChecked({ name, id: randomUUID(), partitions: numPartitions, configs: valid });
  }

  // A broker-owned topic (see Topic.internal), created by the broker itself, never by a client request.
  createInternal(name: string, numPartitions: number, configs: Readonly<Record<string, string>>): Topic {
    validateTopicName(name);
    if (this.byName.has(name)) throw new TopicError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic ${name} already exists`);
    return this.createChecked({ name, id: randomUUID(), partitions: numPartitions, configs: validateTopicConfigs(configs), internal: true });
  }

  // Refuses a create the file system has no room for, then makes the partitions and records the topic;
  // if anything fails on the way, whatever this create made is removed again.
  private createChecked(stored: StoredTopic): Topic {
    const needed = stored.partitions * INODES_PER_PARTITION;
    const free = this.fs.freeInodes(this.dataDir);
    if (free !== null && needed > free) {
      throw new TopicError(
        ErrorCode.POLICY_VIOLATION,
        `topic ${stored.name} needs ${needed} files and directories for ${stored.partitions} partitions; the data directory's file system has ${free} left`,
      );
    }
    const made: string[] = [];
    try {
      const topic = this.load(stored, made);
      this.persist();
      return topic;
    } catch (err) {
      this.rollback(stored, made);
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new TopicError(ErrorCode.KAFKA_STORAGE_ERROR, `cannot create topic ${stored.name}: ${reason} (nothing of it was kept)`);
    }
  }

  private rollback(stored: StoredTopic, made: readonly string[]): void {
    const topic = this.byName.get(stored.name);
    if (topic?.id === stored.id) {
      this.byName.delete(stored.name);
      this.byId.delete(stored.id);
      for (const p of topic.partitions) p.log.deleteAll();
    }
    for (const dir of made) this.fs.rmrf(dir);
  }

  delete(name: string): void {
    const topic = this.byName.get(name);
    if (!topic) throw new TopicError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${name}`);
    if (topic.internal) throw new TopicError(ErrorCode.INVALID_TOPIC_EXCEPTION, `${name} is an internal topic and cannot be deleted`);
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

  // Opens every partition log of a topic. `made`, when given, collects the partition directories that did
  // not exist before (a create's rollback removes exactly those); on failure the logs opened are closed.
  private load(stored: StoredTopic, made?: string[]): Topic {
    const config = topicLogConfig(stored.configs);
    const partitions: Partition[] = [];
    const topic: Topic = { name: stored.name, id: stored.id, internal: stored.internal === true, configs: stored.configs, partitions };
    try {
      for (let i = 0; i < stored.partitions; i++) {
        const dir = path.join(this.dataDir, `${stored.name}-${i}`);
        if (made !== undefined && !this.fs.exists(dir)) made.push(dir);
        const log = PartitionLog.open(dir, config, { files: this.files });
        partitions.push({ topic, index: i, log, waiters: new Set() });
      }
    } catch (err) {
      for (const p of partitions) p.log.close();
      throw err;
    }
    this.byName.set(topic.name, topic);
    this.byId.set(topic.id, topic);
    return topic;
  }

  private persist(): void {
    const meta: StoredMeta = {
      clusterId: this.clusterId,
      topics: this.list().map((t) => ({
        name: t.name,
        id: t.id,
        partitions: t.partitions.length,
        configs: { ...t.configs },
        ...(t.internal ? { internal: true as const } : {}),
      })),
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
