// Kafka's rule for the characters and length of a topic name, as every broker applies it. The embedded
// broker refuses other names (broker/topic-store.ts, with a message per part of the rule); the producer
// and the processor check their topic settings against it before they connect.
export const MAX_TOPIC_NAME_LENGTH = 249;
export const TOPIC_NAME_CHARACTERS = /^[a-zA-Z0-9._-]+$/;
export const TOPIC_NAME_RULE = `topic names use letters, digits, ".", "_" and "-" (at most ${MAX_TOPIC_NAME_LENGTH})`;

export function isTopicName(name: string): boolean {
  return name.length <= MAX_TOPIC_NAME_LENGTH && TOPIC_NAME_CHARACTERS.test(name) && name !== '.' && name !== '..';
}
