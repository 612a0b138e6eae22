import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Produce, ProduceRequest, ProduceResponse } from '../../src/protocol/messages/00-produce.ts';
import { Fetch, FetchRequest } from '../../src/protocol/messages/01-fetch.ts';
import { ListOffsets, ListOffsetsRequest } from '../../src/protocol/messages/02-list-offsets.ts';
import { Metadata, MetadataRequest } from '../../src/protocol/messages/03-metadata.ts';
import { SaslHandshakeRequest } from '../../src/protocol/messages/17-sasl-handshake.ts';
import { ApiVersions } from '../../src/protocol/messages/18-api-versions.ts';
import { CreateTopics } from '../../src/protocol/messages/19-create-topics.ts';
import { DeleteTopics } from '../../src/protocol/messages/20-delete-topics.ts';
import { DescribeConfigs } from '../../src/protocol/messages/32-describe-configs.ts';
import { SaslAuthenticate, SaslAuthenticateResponse } from '../../src/protocol/messages/36-sasl-authenticate.ts';
import { DescribeCluster, DescribeClusterRequest } from '../../src/protocol/messages/60-describe-cluster.ts';
import { Reader } from '../../src/protocol/reader.ts';
import type { Message } from '../../src/protocol/schema.ts';
import { ZERO_UUID } from '../../src/protocol/schema.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { ALL_APIS, versionsOf } from './all-apis.ts';
import { sampleValue } from './sample-values.ts';

function encode<T>(m: Message<T>, version: number, value: T): Buffer {
  const w = new Writer();
  m.encode(w, version, value);
  return w.toBuffer();
}

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

// Checks both directions: the value encodes to exactly these bytes, and the bytes decode to the value
// with nothing left over.
function golden<T>(m: Message<T>, version: number, value: T, bytes: string): void {
  const expected = hex(bytes);
  assert.equal(encode(m, version, value).toString('hex'), expected.toString('hex'), `${m.name} v${version} encode`);
  const r = new Reader(expected);
  assert.deepEqual(m.decode(r, version), value, `${m.name} v${version} decode`);
  assert.equal(r.remaining, 0, `${m.name} v${version} leftover bytes`);
}

describe('version ranges', () => {
  // The ranges this broker promises; ApiVersions is built from them, so a slip here is a wire bug.
  const expected: [string, number, number, number][] = [
    ['Produce', 3, 11, 9],
    ['Fetch', 4, 16, 12],
    ['ListOffsets', 0, 8, 6],
    ['Metadata', 0, 12, 9],
    ['ApiVersions', 0, 3, 3],
    ['CreateTopics', 2, 7, 5],
    ['DeleteTopics', 1, 6, 4],
    ['DescribeConfigs', 0, 4, 4],
    ['DescribeCluster', 0, 1, 0],
    ['SaslAuthenticate', 0, 2, 2],
  ];
  test('every API has the agreed versions and flexible floor', () => {
    const apis = [Produce, Fetch, ListOffsets, Metadata, ApiVersions, CreateTopics, DeleteTopics, DescribeConfigs, DescribeCluster, SaslAuthenticate];
    const byName = new Map<string, (typeof apis)[number]>(apis.map((a) => [a.name, a]));
    assert.equal(byName.size, expected.length);
    for (const [name, min, max, flexibleFrom] of expected) {
      const a = byName.get(name);
      assert.ok(a, name);
      for (const m of [a.request, a.response] as Message<unknown>[]) {
        assert.deepEqual(m.versions, { min, max }, `${m.name} versions`);
        assert.equal(m.flexible.min, flexibleFrom, `${m.name} flexible`);
      }
    }
  });

  test('api keys match the file names', () => {
    const keys = ALL_APIS.map((a) => [a.name, a.key]);
    assert.deepEqual(keys, [
      ['Produce', 0], ['Fetch', 1], ['ListOffsets', 2], ['Metadata', 3], ['OffsetCommit', 8], ['OffsetFetch', 9],
      ['FindCoordinator', 10], ['JoinGroup', 11], ['Heartbeat', 12], ['LeaveGroup', 13], ['SyncGroup', 14],
      ['DescribeGroups', 15], ['ListGroups', 16], ['SaslHandshake', 17], ['ApiVersions', 18], ['CreateTopics', 19], ['DeleteTopics', 20],
      ['InitProducerId', 22], ['DescribeConfigs', 32], ['SaslAuthenticate', 36], ['DeleteGroups', 42], ['OffsetDelete', 47], ['DescribeCluster', 60],
    ]);
  });
});

describe('round trip in every version', () => {
  for (const a of ALL_APIS) {
    for (const m of [a.request, a.response]) {
      test(m.name, () => {
        for (const version of versionsOf(m)) {
          for (const mode of ['full', 'sparse'] as const) {
            const value = sampleValue(m, version, mode);
            const bytes = encode(m, version, value);
            const r = new Reader(bytes);
            assert.deepEqual(m.decode(r, version), value, `${m.name} v${version} ${mode}`);
            assert.equal(r.remaining, 0, `${m.name} v${version} ${mode}: leftover bytes`);
          }
        }
      });
    }
  }

  test('flexible versions are encoded differently from classic ones', () => {
    // The same value must take the compact path from the flexible floor on; catches a wrong flexibleVersions.
    for (const a of ALL_APIS) {
      for (const m of [a.request, a.response]) {
        // Never flexible ("none" is an empty range), always flexible, or flexible only past the last version.
        if (m.flexible.min > m.flexible.max || m.flexible.min <= m.versions.min || m.flexible.min > m.versions.max) continue;
        const last = m.flexible.min - 1;
        const classic = encode(m, last, sampleValue(m, last, 'full'));
        const compact = encode(m, m.flexible.min, sampleValue(m, last, 'full'));
        assert.notEqual(classic.toString('hex'), compact.toString('hex'), m.name);
      }
    }
  });
});

describe('golden bytes', () => {
  const topicT = { topicId: ZERO_UUID, name: 't' };

  test('Metadata v0 request for topic "t": int32 count, int16 length, bytes', () => {
    golden(MetadataRequest, 0, {
      topics: [topicT], allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    }, '00000001 0001 74');
  });

  test('Metadata v1 request with null topics (all topics) is int32 -1', () => {
    golden(MetadataRequest, 1, {
      topics: null, allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    }, 'ffffffff');
  });

  test('Metadata v9 request: compact array and string, tagged sections per struct and at the end', () => {
    golden(MetadataRequest, 9, {
      topics: [topicT], allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true,
    }, '02 02 74 00 01 00 01 00');
  });

  test('Metadata v12 request: topic id first, null compact name, no cluster-operations flag', () => {
    golden(MetadataRequest, 12, {
      topics: [{ topicId: '00112233-4455-6677-8899-aabbccddeeff', name: null }], allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    }, '02 00112233445566778899aabbccddeeff 00 00 00 00 00');
  });

  const produce = {
    transactionalId: null, acks: -1, timeoutMs: 30000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: hex('aabbcc') }] }],
  };

  test('Produce v3 request: null transactional id, int32-prefixed records', () => {
    golden(ProduceRequest, 3, produce, 'ffff ffff 00007530 00000001 0001 74 00000001 00000000 00000003 aabbcc');
  });

  test('Produce v9 request: compact null string and compact records', () => {
    golden(ProduceRequest, 9, produce, '00 ffff 00007530 02 02 74 02 00000000 04 aabbcc 00 00 00');
  });

  test('Produce v10 response: tagged currentLeader struct and tagged nodeEndpoints', () => {
    golden(ProduceResponse, 10, {
      responses: [{
        name: 't',
        partitionResponses: [{
          index: 0, errorCode: 6, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1,
          recordErrors: [], errorMessage: null, currentLeader: { leaderId: 2, leaderEpoch: 5 },
        }],
      }],
      throttleTimeMs: 0,
      nodeEndpoints: [{ nodeId: 2, host: 'h', port: 9092, rack: null }],
    }, [
      '02 02 74 02', // responses[1], name "t", partitionResponses[1]
      '00000000 0006 ffffffffffffffff ffffffffffffffff ffffffffffffffff', // index, errorCode, offsets
      '01 00', // recordErrors [], errorMessage null
      '01 00 09 00000002 00000005 00', // tags: currentLeader (tag 0, 9 bytes incl. its own tag section)
      '00', // topic tags
      '00000000', // throttleTimeMs
      '01 00 0d 02 00000002 02 68 00002384 00 00', // tags: nodeEndpoints (tag 0, 13 bytes)
    ].join(''));
  });

  test('Fetch v12 request: tagged clusterId at the end, v13+ topic id absent', () => {
    golden(FetchRequest, 12, {
      clusterId: 'c', replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 },
      maxWaitMs: 500, minBytes: 1, maxBytes: 0x7fffffff, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{
        topic: 't', topicId: ZERO_UUID,
        partitions: [{
          partition: 0, currentLeaderEpoch: -1, fetchOffset: 5, lastFetchedEpoch: -1, logStartOffset: -1,
          partitionMaxBytes: 1048576,
        }],
      }],
      forgottenTopicsData: [], rackId: '',
    }, [
      'ffffffff 000001f4 00000001 7fffffff 00 00000000 ffffffff', // replicaId .. sessionEpoch
      '02 02 74 02', // topics[1], "t", partitions[1]
      '00000000 ffffffff 0000000000000005 ffffffff ffffffffffffffff 00100000 00', // partition + tags
      '00', // topic tags
      '01 01', // forgottenTopicsData [], rackId ""
      '01 00 02 02 63', // tags: clusterId "c"
    ].join(''));
  });

  test('ListOffsets v1 request: no isolation level, no leader epoch', () => {
    golden(ListOffsetsRequest, 1, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2, maxNumOffsets: 1 }] }],
    }, 'ffffffff 00000001 0001 74 00000001 00000000 fffffffffffffffe');
  });

  test('ListOffsets v0: maxNumOffsets in the request, the oldStyleOffsets array in the response', () => {
    golden(ListOffsetsRequest, 0, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 2, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 5 }] }],
    }, 'ffffffff 00000001 0001 74 00000001 00000002 ffffffffffffffff 00000005');
    golden(ListOffsets.response, 0, {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 2, errorCode: 0, oldStyleOffsets: [42], timestamp: -1, offset: -1, leaderEpoch: -1 }] }],
    }, '00000001 0001 74 00000001 00000002 0000 00000001 000000000000002a');
  });

  test('DescribeCluster is flexible from v0; endpointType appears in v1', () => {
    golden(DescribeClusterRequest, 0, { includeClusterAuthorizedOperations: true, endpointType: 1 }, '01 00');
    golden(DescribeClusterRequest, 1, { includeClusterAuthorizedOperations: true, endpointType: 2 }, '01 02 00');
  });

  test('SaslHandshake v1 request: the mechanism as a classic string', () => {
    golden(SaslHandshakeRequest, 1, { mechanism: 'PLAIN' }, '0005 504c41494e');
  });

  test('SaslAuthenticate v1 response: error, null message, bytes with int32 length, session lifetime', () => {
    golden(SaslAuthenticateResponse, 1, { errorCode: 0, errorMessage: null, authBytes: Buffer.from('v='), sessionLifetimeMs: 0 }, '0000 ffff 00000002 763d 0000000000000000');
  });

  test('SaslAuthenticate v2 response: compact nullable string and bytes, then tagged fields', () => {
    golden(SaslAuthenticateResponse, 2, { errorCode: 58, errorMessage: 'no', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 }, '003a 03 6e6f 01 0000000000000000 00');
  });
});
