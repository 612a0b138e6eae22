// DeleteTopics (key 20), versions 1-6. v1-5 name topics; v6 names them by name or by id. The topic's
// partition directories are removed and waiting fetches return UNKNOWN_TOPIC_OR_PARTITION. Committed
// offsets and idempotent-producer state for the topic go with it, so a new topic of the same name starts
// clean. Internal topics (__consumer_offsets) cannot be deleted: INVALID_TOPIC_EXCEPTION.

import { ErrorCode } from '../../protocol/error-codes.ts';
import { DeleteTopics } from '../../protocol/messages/20-delete-topics.ts';
import { ZERO_UUID } from '../../protocol/schema.ts';
import { defineHandler } from '../registry.ts';
import { TopicError } from '../topic-store.ts';

export const deleteTopicsHandler = defineHandler({
  api: DeleteTopics,
  minVersion: 1,
  maxVersion: 6,
  handle(req, { broker, header }) {
    const res = DeleteTopics.response.zero();
    const wanted = header.apiVersion >= 6 ? req.topics : req.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    for (const w of wanted) {
      const topic = w.name !== null ? broker.topics.get(w.name) : broker.topics.getById(w.topicId);
      if (!topic) {
        const errorCode = w.name === null ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        res.responses.push({ name: w.name, topicId: w.topicId, errorCode, errorMessage: `unknown topic ${w.name ?? w.topicId}` });
        continue;
      }
      try {
        broker.topics.delete(topic.name);
        broker.coordinator.onTopicDeleted(topic.name);
        broker.producers.forgetTopic(topic.name);
        broker.logger.info({ topic: topic.name }, 'deleted topic');
        res.responses.push({ name: topic.name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (err) {
        if (!(err instanceof TopicError)) throw err;
        res.responses.push({ name: topic.name, topicId: topic.id, errorCode: err.code, errorMessage: err.message });
      }
    }
    return res;
  },
});
