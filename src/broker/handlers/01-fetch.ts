// Fetch (key 1), versions 4-16.
// - Returns whole record batches, starting with the batch that holds fetchOffset (it may point inside a
//   batch; clients skip the records before it). Per-partition and per-request byte limits are honoured
//   at batch granularity, except that the first batch with data is returned even if larger (KIP-74).
// - The request's byte budget goes to the partitions in an order that rotates from one fetch to the next
//   (the response still lists them in request order): with a backlog larger than one response, a fixed
//   order would give it all to the first partitions asked for, and the others would get nothing for as
//   long as the backlog lasts. Kafka's fetch sessions rotate for the same reason; we decline sessions.
// - Long polling: with fewer than minBytes available we wait until appends bring enough, maxWaitMs
//   passes, or the connection closes.
// - No transactions: lastStableOffset = highWatermark and abortedTransactions is always empty.
// - v7+ fetch sessions are declined by answering sessionId 0 (allowed by KIP-227): every fetch is a
//   full fetch. A client that insists on an incremental session gets FETCH_SESSION_ID_NOT_FOUND and
//   falls back to full fetches.
// - v13+ names topics by id; an unknown id answers UNKNOWN_TOPIC_ID.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { Fetch } from '../../protocol/messages/01-fetch.ts';
import type { Infer } from '../../protocol/schema.ts';
import { ZERO_UUID } from '../../protocol/schema.ts';
import { LogError } from '../log/log-error.ts';
import { defineHandler } from '../registry.ts';
import type { BrokerContext } from '../context.ts';
import type { Partition } from '../topic-store.ts';

type FetchRequest = Infer<typeof Fetch.request>;
type FetchResponse = Infer<typeof Fetch.response>;
type PartitionData = FetchResponse['responses'][number]['partitions'][number];

const EMPTY = Buffer.alloc(0);

// Where the next fetch starts handing out its byte budget (see the header); shared by all connections,
// which only makes the turns less regular, never unfair.
let rotation = 0;

interface Wanted {
  topicName: string;
  topicId: string;
  partitionIndex: number;
  partition: Partition | undefined;
  missingError: number;
  fetchOffset: number;
  maxBytes: number;
}

export const fetchHandler = defineHandler({
  api: Fetch,
  minVersion: 4,
  maxVersion: 16,
  async handle(req, { broker, header, signal, lease }) {
    const res = Fetch.response.zero();
    if (req.sessionId !== 0 || req.sessionEpoch > 0) {
      res.errorCode = ErrorCode.FETCH_SESSION_ID_NOT_FOUND;
      return res;
    }
    const byId = header.apiVersion >= 13;
    const wanted = resolve(broker, req, byId);
    // Clamped to the broker's cap, so a client asking for gigabytes cannot make us build such a response.
    const maxBytes = Math.min(req.maxBytes, broker.config.maxFetchResponseBytes);
    let result = readAll(wanted, maxBytes, lease);
    if (result.bytes < req.minBytes && req.maxWaitMs > 0 && !result.failed) {
      await waitForBytes(wanted, req.minBytes - result.bytes, req.maxWaitMs, signal);
      // Resolve again: a topic deleted during the wait must answer as unknown, not read its closed logs.
      result = readAll(resolve(broker, req, byId), maxBytes, lease);
    }
    res.responses = result.responses;
    return res;
  },
});

function resolve(broker: BrokerContext, req: FetchRequest, byId: boolean): Wanted[] {
  const out: Wanted[] = [];
  for (const t of req.topics) {
    const topic = byId ? broker.topics.getById(t.topicId) : broker.topics.get(t.topic);
    const missingError = byId && !topic ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    for (const p of t.partitions) {
      out.push({
        topicName: topic?.name ?? t.topic,
        topicId: topic?.id ?? (byId ? t.topicId : ZERO_UUID),
        partitionIndex: p.partition,
        partition: topic?.partitions[p.partition],
        missingError,
        fetchOffset: p.fetchOffset,
        maxBytes: Math.min(p.partitionMaxBytes, broker.config.maxFetchResponseBytes),
      });
    }
  }
  return out;
}

function readAll(wanted: Wanted[], requestMaxBytes: number, lease: (size: number) => Buffer): { responses: FetchResponse['responses']; bytes: number; failed: boolean } {
  const read: PartitionData[] = new Array<PartitionData>(wanted.length);
  let budget = requestMaxBytes;
  let bytes = 0;
  let failed = false;
  const first = wanted.length > 1 ? rotation++ % wanted.length : 0;
  for (let k = 0; k < wanted.length; k++) {
    const i = (first + k) % wanted.length;
    // KIP-74: only the first partition with data may exceed the limits, by one whole batch.
    const data = readPartition(wanted[i] as Wanted, budget, bytes === 0, lease);
    if (data.errorCode !== ErrorCode.NONE) failed = true;
    const n = data.records?.length ?? 0;
    bytes += n;
    budget -= n;
    read[i] = data;
  }
  const responses: FetchResponse['responses'] = [];
  wanted.forEach((w, i) => {
    let topicEntry = responses.at(-1);
    if (!topicEntry || topicEntry.topic !== w.topicName || topicEntry.topicId !== w.topicId) {
      topicEntry = { topic: w.topicName, topicId: w.topicId, partitions: [] };
      responses.push(topicEntry);
    }
    topicEntry.partitions.push(read[i] as PartitionData);
  });
  return { responses, bytes, failed };
}

function readPartition(w: Wanted, budget: number, minOneBatch: boolean, lease: (size: number) => Buffer): PartitionData {
  const data: PartitionData = {
    partitionIndex: w.partitionIndex,
    errorCode: ErrorCode.NONE,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: [],
    preferredReadReplica: -1,
    records: EMPTY,
  };
  const p = w.partition;
  if (!p) return { ...data, errorCode: w.missingError };
  const log = p.log;
  data.highWatermark = log.logEndOffset;
  data.lastStableOffset = log.logEndOffset;
  data.logStartOffset = log.logStartOffset;
  if (!minOneBatch && (budget <= 0 || w.maxBytes <= 0)) return data;
  try {
    data.records = log.read(w.fetchOffset, Math.max(0, Math.min(w.maxBytes, budget)), minOneBatch, lease).records ?? EMPTY;
  } catch (err) {
    if (!(err instanceof LogError)) throw err;
    data.errorCode = err.code;
  }
  return data;
}

// Resolves once `needed` more bytes have been appended to any of the wanted partitions, after maxWaitMs,
// or when the request is aborted (connection closed, broker stopping).
function waitForBytes(wanted: Wanted[], needed: number, maxWaitMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolveWait) => {
    const partitions = new Set(wanted.map((w) => w.partition).filter((p): p is Partition => p !== undefined));
    let got = 0;
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      for (const p of partitions) p.waiters.delete(onAppend);
      resolveWait();
    };
    const onAppend = (bytes: number) => {
      got += bytes;
      if (got >= needed) done();
    };
    const timer = setTimeout(done, maxWaitMs);
    if (signal.aborted) return done();
    signal.addEventListener('abort', done);
    for (const p of partitions) p.waiters.add(onAppend);
  });
}
