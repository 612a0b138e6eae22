// Rules about topic names beyond their characters (those are validateTopicName in topic-store.ts), kept in
// one place so that every path that creates a topic (CreateTopics, Metadata auto-creation) applies the same.

// Kafka's internal topics. The broker never creates them as ordinary topics: clients and tools treat
// these names specially (lag monitors read `__consumer_offsets`), so an ordinary topic under one would
// mislead them. Kafka reserves exactly these two names; other names starting with `__` are ordinary.
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

// Kafka refuses a topic whose name differs from an existing one only by '.' against '_': both map to the
// same metric names. Two names collide when their keys are equal.
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}
