// Metadata (key 3), versions 0-12. One broker leads every partition and is the only replica.
// - v0 asks for all topics with an empty list; v1+ with null.
// - Topics requested by name that do not exist are created with the default partition count when the
//   broker allows auto-creation and the client does too (v4+ allowAutoTopicCreation; implicit before).
//   Internal names (see topic-names.ts) are never auto-created as ordinary topics: `__transaction_state`
//   answers UNKNOWN_TOPIC_OR_PARTITION, `__consumer_offsets` the broker's own topic (below). A name that collides with an existing topic's ('.' against
//   '_', e.g. `my.topic` and `my_topic`) is not created either: INVALID_TOPIC_EXCEPTION, as in Kafka.
//   Past the broker's --max-topics / --max-partitions a name is not created and answers POLICY_VIOLATION
//   (Kafka's answer when a create policy refuses an auto-create; librdkafka then fails the messages at
//   once rather than waiting for the topic to appear); the refusals are logged once a minute.
// - v10+ may name topics by id; an unknown id answers UNKNOWN_TOPIC_ID.
// - __consumer_offsets is listed with isInternal true once it exists; asked for by name it is created as
//   the broker's internal topic (50 partitions, coordinator/consumer-offsets-topic.ts), never as an
//   ordinary auto-created one.
// kafka-python probes with v0 before it knows anything else, so v0 must stay correct.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { Metadata } from '../../protocol/messages/03-metadata.ts';
import type { Infer } from '../../protocol/schema.ts';
import { ZERO_UUID } from '../../protocol/schema.ts';
import type { BrokerContext } from '../context.ts';
import { CONSUMER_OFFSETS_TOPIC } from '../coordinator/consumer-offsets-topic.ts';
import { defineHandler } from '../registry.ts';
import { isInternalTopic } from '../topic-names.ts';
import type { Topic } from '../topic-store.ts';
import { TopicError, validateTopicName } from '../topic-store.ts';

type TopicMetadata = Infer<typeof Metadata.response>['topics'][number];

export const metadataHandler = defineHandler({
  api: Metadata,
  minVersion: 0,
  maxVersion: 12,
  handle(req, { broker, header }) {
    const res = Metadata.response.zero();
    const { host, port } = broker.endpoint();
    const nodeId = broker.config.nodeId;
    res.brokers = [{ nodeId, host, port, rack: null }];
    res.clusterId = broker.clusterId;
    res.controllerId = nodeId;
    const wantsAll = req.topics === null || (header.apiVersion === 0 && req.topics.length === 0);
    if (wantsAll) {
      res.topics = broker.topics.list().map((t) => describeTopic(broker, t));
      return res;
    }
    for (const wanted of req.topics ?? []) {
      res.topics.push(lookup(broker, wanted.name, wanted.topicId, req.allowAutoTopicCreation));
    }
    return res;
  },
});

function lookup(broker: BrokerContext, name: string | null, topicId: string, allowAutoCreate: boolean): TopicMetadata {
  if (name === null) {
    const byId = broker.topics.getById(topicId);
    return byId ? describeTopic(broker, byId) : topicError(null, topicId, ErrorCode.UNKNOWN_TOPIC_ID);
  }
  const existing = broker.topics.get(name);
  if (existing) return describeTopic(broker, existing);
  try {
    if (name === CONSUMER_OFFSETS_TOPIC) return describeTopic(broker, broker.coordinator.consumerOffsetsTopic());
    validateTopicName(name);
  } catch (err) {
    if (err instanceof TopicError) return topicError(name, ZERO_UUID, err.code);
    throw err;
  }
  if (!broker.config.autoCreateTopics || !allowAutoCreate || isInternalTopic(name)) {
    return topicError(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  try {
    const created = broker.topics.create(name, broker.config.defaultPartitions);
    broker.logger.info({ topic: name, partitions: broker.config.defaultPartitions }, 'auto-created topic');
    return describeTopic(broker, created);
  } catch (err) {
    if (!(err instanceof TopicError)) throw err;
    // Past the topic bounds. The error code is the refusal's, as Kafka answers when a create policy
    // refuses an auto-create.
    if (err.code === ErrorCode.POLICY_VIOLATION) {
      broker.autoCreateRefused.warn({ topic: name, reason: err.message }, `auto-creating topics refused: ${err.message}`);
      return topicError(name, ZERO_UUID, err.code);
    }
    broker.logger.warn({ topic: name, code: err.code, err: err.message }, 'auto-creating a topic failed');
    return topicError(name, ZERO_UUID, err.code);
  }
}

function topicError(name: string | null, topicId: string, errorCode: number): TopicMetadata {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 };
}

function describeTopic(broker: BrokerContext, t: Topic): TopicMetadata {
  const nodeId = broker.config.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.id,
    isInternal: t.internal,
    partitions: t.partitions.map((p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p.index,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
    topicAuthorizedOperations: -2147483648,
  };
}
