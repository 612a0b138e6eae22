// Reads every record of a topic without a consumer group, through @platformatic/kafka's raw Fetch: the
// interop tests use it to check what other clients produced, independently of the client that wrote it
// and of the group coordinator. Records come back per partition, in log order, decompressed.

import { Consumer } from '@platformatic/kafka';

export interface FetchedRecord {
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}

// Fetches from offset 0 (or the log start) up to each partition's end offset as listed when called.
export async function fetchAll(bootstrap: string, topic: string, options: { partitionMaxBytes?: number } = {}): Promise<Map<number, FetchedRecord[]>> {
  const consumer = new Consumer({ clientId: 'fetch-all', groupId: 'fetch-all-unused', bootstrapBrokers: [bootstrap], retries: 2 });
  try {
    const metadata = await consumer.metadata({ topics: [topic] });
    const meta = metadata.topics.get(topic);
    if (!meta) throw new Error(`topic ${topic} not in metadata`);
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
    const out = new Map<number, FetchedRecord[]>();
    const next = new Map<number, bigint>();
    for (let p = 0; p < meta.partitionsCount; p++) {
      out.set(p, []);
      if ((ends[p] ?? 0n) > 0n) next.set(p, 0n);
    }
    const node = [...metadata.brokers.keys()][0] ?? 1;
    let idleFetches = 0;
    while (next.size > 0) {
      // The data is all there already, so a fetch that brings nothing new means the broker is stuck.
      if (idleFetches++ > 20) throw new Error(`fetching ${topic} makes no progress at ${JSON.stringify(Object.fromEntries([...next].map(([p, o]) => [p, String(o)])))}`);
      const response = await consumer.fetch({
        node,
        maxWaitTime: 100,
        topics: [{
          topicId: meta.id,
          partitions: [...next].map(([partition, fetchOffset]) => ({
            partition, fetchOffset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: options.partitionMaxBytes ?? 1 << 20,
          })),
        }],
      });
      for (const t of response.responses) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${p.partitionIndex} failed with error code ${p.errorCode}`);
          const from = next.get(p.partitionIndex);
          const records = out.get(p.partitionIndex);
          if (from === undefined || records === undefined) continue;
          let offset = from;
          for (const batch of p.records ?? []) {
            for (const r of batch.records) {
              const o = batch.firstOffset + BigInt(r.offsetDelta);
              // A fetch starts at the batch holding fetchOffset; records before it were already read.
              if (o < offset) continue;
              records.push({
                partition: p.partitionIndex, offset: o, timestamp: batch.firstTimestamp + r.timestampDelta, key: r.key, value: r.value, headers: r.headers,
              });
              offset = o + 1n;
              idleFetches = 0;
            }
          }
          if (offset >= (ends[p.partitionIndex] ?? 0n)) next.delete(p.partitionIndex);
          else next.set(p.partitionIndex, offset);
        }
      }
    }
    return out;
  } finally {
    await consumer.close();
  }
}
