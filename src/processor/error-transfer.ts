// Errors on their way between the Kafka thread and the processing thread (runner-thread.ts,
// runner-worker.ts). Structured clone would keep an Error's message and stack only, and the worker
// used to rebuild a bare Error from them: what classifies a failure (failures.ts) was lost, so every
// failure of the processing thread looked the same. What crosses instead is the tree of name, code,
// message and stack, with causes and nested errors, plus a classification made where the error was
// thrown: the client's own errors are recognized by their class, which only the Kafka thread has.
//
// Kept free of @platformatic/kafka so that the processing thread does not load the client.
import type { Failure } from './failures.ts';

export interface TransferredError {
  name: string;
  message: string;
  stack: string;
  code?: string;
  failure?: Failure;
  cause?: TransferredError;
  errors?: TransferredError[];
}

// Bounds the tree: the client nests a MultipleErrors per retry and a ProtocolError per partition.
const MAX_DEPTH = 6;
const MAX_NESTED = 16;

export function packError(err: unknown, failure?: Failure, depth = 0): TransferredError {
  const e = err instanceof Error ? err : new Error(String(err));
  const out: TransferredError = { name: e.name, message: e.message, stack: e.stack ?? '' };
  const { code, failure: carried, errors } = e as Error & { code?: unknown; failure?: Failure; errors?: unknown };
  if (typeof code === 'string') out.code = code;
  const classified = failure ?? carried;
  if (classified !== undefined) out.failure = classified;
  if (depth < MAX_DEPTH) {
    if (e.cause !== undefined) out.cause = packError(e.cause, undefined, depth + 1);
    if (Array.isArray(errors)) out.errors = errors.slice(0, MAX_NESTED).map((n: unknown) => packError(n, undefined, depth + 1));
  }
  return out;
}

// An Error (an AggregateError when it had nested errors) with the original's name, code, stack,
// causes and classification.
export function unpackError(t: TransferredError): Error {
  const cause = t.cause === undefined ? {} : { cause: unpackError(t.cause) };
  const e = t.errors === undefined ? new Error(t.message, cause) : new AggregateError(t.errors.map(unpackError), t.message, cause);
  e.name = t.name;
  e.stack = t.stack;
  if (t.code !== undefined) Object.assign(e, { code: t.code });
  if (t.failure !== undefined) Object.assign(e, { failure: t.failure });
  return e;
}
