// CreateTopics (key 19), versions 2-7.
// numPartitions -1 takes the broker default; explicit replica assignments fix the partition count to
// their number (all replicas are this node). Replication factor must be 1 or -1 on a single node.
// validateOnly checks everything without creating. v5+ echoes partitions, replication factor and the
// resulting configs; v7+ returns the new topic id.
// Refused like Kafka: internal names (`__consumer_offsets`, `__transaction_state`) with INVALID_REQUEST
// ("Creation of internal topic … is prohibited."), and a name differing from an existing topic's only by
// '.' against '_' with INVALID_TOPIC_EXCEPTION and a message naming that topic.
// A create is checked against the file
// system's free inodes first (POLICY_VIOLATION) and rolled back if it fails part way
// (KAFKA_STORAGE_ERROR), leaving nothing behind; see topic-store.ts. A create past the broker's
// --max-topics or --max-partitions answers POLICY_VIOLATION with a message naming the limit.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { CreateTopics } from '../../protocol/messages/19-create-topics.ts';
import type { Infer } from '../../protocol/schema.ts';
import { ZERO_UUID } from '../../protocol/schema.ts';
import { ConfigError, describeTopicConfigs } from '../topic-config.ts';
import { defineHandler } from '../registry.ts';
import { TopicError } from '../topic-store.ts';

type Result = Infer<typeof CreateTopics.response>['topics'][number];

// DescribeConfigs/CreateTopics config sources: 1 = topic config, 5 = default config.
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;

export const createTopicsHandler = defineHandler({
  api: CreateTopics,
  minVersion: 2,
  maxVersion: 7,
  handle(req, { broker }) {
    const res = CreateTopics.response.zero();
    for (const t of req.topics) {
      const result: Result = {
        name: t.name, topicId: ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null, topicConfigErrorCode: 0,
        numPartitions: -1, replicationFactor: -1, configs: null,
      };
      res.topics.push(result);
      const numPartitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? broker.config.defaultPartitions : t.numPartitions;
      if (t.assignments.length > 0 && t.numPartitions !== -1) {
        fail(result, ErrorCode.INVALID_REQUEST, 'both numPartitions and replica assignments given');
        continue;
      }
      if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        fail(result, ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor} is larger than the 1 broker available`);
        continue;
      }
      const configs = Object.fromEntries(t.configs.map((c) => [c.name, c.value]));
      try {
        const valid = req.validateOnly
          ? broker.topics.validateCreate(t.name, numPartitions, configs)
          : broker.topics.create(t.name, numPartitions, configs).configs;
        if (!req.validateOnly) {
          result.topicId = broker.topics.get(t.name)?.id ?? ZERO_UUID;
          broker.logger.info({ topic: t.name, partitions: numPartitions, configs: valid }, 'created topic');
        }
        result.numPartitions = numPartitions;
        result.replicationFactor = 1;
        result.configs = describeTopicConfigs(valid).map((c) => ({
          name: c.name, value: c.value, readOnly: false, configSource: c.isDefault ? SOURCE_DEFAULT : SOURCE_TOPIC, isSensitive: false,
        }));
      } catch (err) {
        if (err instanceof TopicError || err instanceof ConfigError) fail(result, err.code, err.message);
        else throw err;
      }
    }
    return res;
  },
});

function fail(result: Result, code: number, message: string): void {
  result.errorCode = code;
  result.errorMessage = message;
}
