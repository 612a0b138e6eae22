// What a failed processor run means: whether starting it again can help, and one line that says what
// happened (and, when a restart cannot help, what to do instead).
//
// Transient: the broker is down or unreachable (the client's network errors, Node's socket errors), Kafka
// answered with an error it marks retriable (canRetry) or one that only needs the group rejoined
// (needsRejoin), or the consumer stream closed under the processor. A restart takes the kill -9 recovery
// path, so superviseProcessor retries these for as long as they last.
// Permanent: a configuration or snapshot that cannot work (a restart would fail the same way every few
// seconds), a request Kafka refuses for good, and everything else, which is a bug. These end the process.
//
// The client's errors nest (a MultipleErrors per retried operation, a ResponseError of per-partition
// ProtocolErrors, causes) and the telling one can be anywhere, so the whole tree is searched. Their flags
// are read with findErrorBy, which only answers for the client's own error classes; the processor's own
// errors are told by their code. Errors cross between the Kafka thread and the processing thread as
// copies (thread-rpc.ts keeps name, message, stack, causes and own primitive fields): the processor's
// codes survive that, the client's classes do not, so the Kafka thread classifies its errors before
// they cross (withClassification) and the classification travels as plain fields.
import { findErrorBy, GenericError, MultipleErrors, NetworkError } from '@platformatic/kafka';
import { describeKafkaError } from '../kafka-errors.ts';

export type FailureKind = 'transient' | 'permanent';

export type FailureCategory =
  | 'broker-unavailable' // transient: no connection to the broker
  | 'kafka-retriable' // transient: Kafka said try again (leader moving, coordinator loading, rebalance)
  | 'restartable' // transient: the processor's view of the group is stale (the consumer stream ended)
  | 'config' // permanent: the settings are invalid
  | 'snapshot' // permanent: a stored snapshot cannot be restored, under these settings or at all
  | 'kafka-refused' // permanent: Kafka refuses the request and marks the refusal final
  | 'bug'; // permanent: anything not understood

export interface Failure {
  kind: FailureKind;
  category: FailureCategory;
  description: string; // one line, for the console: a sentence when permanent, a clause when transient
}

// Raised by the processor for a condition outside it that a restart recovers from, where no error of
// the client says so.
export class RestartableError extends Error {
  override name = 'RestartableError';
  readonly code = 'PROCESSOR_RESTARTABLE';
}

// This process's static membership (--instance-id) was taken over by another process that joined with
// the same id: restarting would take it back and start the two fencing each other again.
export class InstanceFencedError extends Error {
  override name = 'InstanceFencedError';
  readonly code = 'PROCESSOR_FENCED';

  constructor(group: string, instanceId: string) {
    super(`another process joined group ${group} with --instance-id ${instanceId} and took over its partitions; this one stops. Give each worker its own --instance-id`);
  }
}

// Node's codes for a socket that could not connect or was lost, and for a host name that did not resolve.
const SOCKET_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EHOSTDOWN',
  'ENETUNREACH', 'ENETDOWN', 'ENETRESET', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN',
]);

// The client's codes for requests the broker refuses, or that the client knows the broker cannot serve.
const REFUSED_CODES = new Set(['PLT_KFK_PROTOCOL', 'PLT_KFK_AUTHENTICATION', 'PLT_KFK_UNSUPPORTED_API', 'PLT_KFK_UNSUPPORTED_COMPRESSION', 'PLT_KFK_UNSUPPORTED']);

// When the tree holds several telling errors, the first category in this order decides: a snapshot that
// cannot be restored stays so after the broker is back, and a broker that is down explains the errors
// of everything that tried to reach it.
const PRECEDENCE: readonly FailureCategory[] = ['config', 'snapshot', 'broker-unavailable', 'kafka-retriable', 'restartable', 'kafka-refused', 'bug'];

const MAX_NODES = 64;

// A classification as plain fields of the error it describes, so that it survives the thread crossing.
interface CarriedFailure {
  failureKind: FailureKind;
  failureCategory: FailureCategory;
  failureDescription: string;
}

// Classifies an error where it was thrown (the Kafka thread, which knows the client's classes) and
// records the result on it; returns the same error.
export function withClassification<E>(error: E): E {
  if (error instanceof Error && (error as Error & Partial<CarriedFailure>).failureKind === undefined) {
    const f = classifyFailure(error);
    const carried: CarriedFailure = { failureKind: f.kind, failureCategory: f.category, failureDescription: f.description };
    Object.assign(error, carried);
  }
  return error;
}

export function classifyFailure(error: unknown): Failure {
  const found = new Map<FailureCategory, Failure>();
  for (const node of errorTree(error)) {
    const failure = classifyNode(node, error);
    if (failure !== null && !found.has(failure.category)) found.set(failure.category, failure);
  }
  for (const category of PRECEDENCE) {
    const failure = found.get(category);
    if (failure !== undefined) return failure;
  }
  // The client's classes leave name at 'Error'.
  const name = error instanceof Error ? (error.name === 'Error' ? error.constructor.name : error.name) : typeof error;
  return permanent('bug', `unexpected error (${name}: ${describeKafkaError(error)}); this is a bug, the stack is in the log.`);
}

function classifyNode(node: Error, top: unknown): Failure | null {
  const { code, failureKind, failureCategory, failureDescription } = node as Error & Partial<CarriedFailure> & { code?: unknown };
  if (failureKind !== undefined && failureCategory !== undefined && failureDescription !== undefined) {
    return { kind: failureKind, category: failureCategory, description: failureDescription };
  }
  switch (code) {
    case 'CONFIG_INVALID':
      return permanent('config', `${oneLine(node.message)}. Fix the settings (--config, --set) and start again.`);
    case 'SNAPSHOT_MISMATCH':
      return permanent('snapshot', `${describeKafkaError(top)}. Run with the configuration that wrote the snapshot, or start over under another --group.`);
    case 'SNAPSHOT_INVALID':
      return permanent('snapshot', `${describeKafkaError(top)}. The stored state cannot be used: start over under another --group.`);
    case 'PROCESSOR_FENCED':
      return permanent('config', `${node.message}.`);
    case 'PROCESSOR_RESTARTABLE':
      return transient('restartable', describeKafkaError(top));
  }
  if (typeof code === 'string' && SOCKET_ERROR_CODES.has(code)) return brokerUnavailable(top);
  // A MultipleErrors answers findErrorBy for its nested errors as well; those are visited on their own.
  if (!GenericError.isGenericError(node) || MultipleErrors.isMultipleErrors(node)) return null;
  const retriable = findErrorBy(node, 'canRetry', true) !== null;
  if (findErrorBy(node, 'code', NetworkError.code) !== null) {
    // canRetry false marks a closed client: not the broker's doing, but the processor's own.
    return retriable ? brokerUnavailable(top) : null;
  }
  if (retriable || findErrorBy(node, 'needsRejoin', true) !== null) {
    return transient('kafka-retriable', `retriable Kafka error (${describeKafkaError(top)})`);
  }
  if (typeof code === 'string' && REFUSED_CODES.has(code)) {
    return permanent('kafka-refused', `Kafka refused the request (${describeKafkaError(top)}); retrying will not help: check the broker, its topics and its access rules.`);
  }
  return null;
}

function brokerUnavailable(top: unknown): Failure {
  return transient('broker-unavailable', `broker unavailable (${describeKafkaError(top)})`);
}

function transient(category: FailureCategory, description: string): Failure {
  return { kind: 'transient', category, description };
}

function permanent(category: FailureCategory, description: string): Failure {
  return { kind: 'permanent', category, description };
}

// A ConfigError lists its issues one per line.
function oneLine(text: string): string {
  const [head = '', ...issues] = text.split('\n').map((l) => l.trim().replace(/^- /, '')).filter((l) => l !== '');
  return `${head}${issues.length > 0 ? ` ${issues.join('; ')}` : ''}`.replace(/\.$/, '');
}

// Outermost first, each error once: causes and the errors of AggregateErrors (the client's
// MultipleErrors among them).
function* errorTree(error: unknown): Generator<Error> {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0 && seen.size < MAX_NODES) {
    const node = stack.pop();
    if (!(node instanceof Error) || seen.has(node)) continue;
    seen.add(node);
    yield node;
    const nested = (node as Error & { errors?: unknown }).errors;
    const children = [...(Array.isArray(nested) ? nested : []), node.cause];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}
