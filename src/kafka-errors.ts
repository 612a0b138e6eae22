// One line for a Kafka client error, as every command reports them. Its own module so that the
// processor and the dashboard do not load the producer (and with it the bank simulator) to use it.

// The library nests the real cause (ECONNREFUSED, ...) a few AggregateErrors deep; operators need that
// line, not the wrapper's "metadata failed 2 times" or a stack trace. A wrapper that quotes its cause
// already says it, so the cause is not repeated.
export function describeKafkaError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const message = current.message.replace(/\.$/, '');
    if (!/failed \d+ times?$/.test(message) && !parts.some((p) => p.includes(message))) parts.push(message);
    // The broker's own words when it sent any (a refused SASL login says why in its error message).
    const server = (current as Error & { serverErrorMessage?: unknown }).serverErrorMessage;
    if (typeof server === 'string' && server !== '' && !parts.some((p) => p.includes(server))) parts.push(server);
    const nested: unknown[] = (current as Error & { errors?: unknown[] }).errors ?? [];
    current = nested[0] ?? current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}

// The client's way of saying a topic does not exist and the cluster will not create it on demand.
export function isUnknownTopicError(error: unknown): boolean {
  return /unknown topic/i.test(describeKafkaError(error));
}

// What to tell the user then (`on`: the brokers asked, when the message has no other place to name them).
export function missingTopicProblem(topic: string, on?: readonly string[]): string {
  return `topic ${topic} does not exist${on === undefined ? '' : ` on ${on.join(',')}`}, and the cluster does not create topics on demand (create it)`;
}
