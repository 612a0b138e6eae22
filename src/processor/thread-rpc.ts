// Calls between two threads, typed by one interface per direction. The interface's methods are the
// protocol: a method returning a promise is a call (a request with an id, answered by a reply or an
// error), a method returning void is a signal (one message, no answer). From the interface follow the
// messages (Traffic), the stubs that send them (RpcPeer.remote, typed as the interface itself) and the
// dispatch to the implementation on the other side; a Protocol table, checked against the interface,
// tells the stubs at run time which methods are calls.
//
// Arguments and results cross by structured clone. What a method's arguments can hand over instead of
// copying (an ArrayBuffer) its Transfers entry lists. Errors cross as WireError: name, message, stack,
// code and every other own enumerable string, number or boolean property, with `cause` and `errors`
// (AggregateError, the Kafka client's MultipleErrors) crossing the same way, so that the receiving side
// can tell errors apart as the throwing side could.
import type { Transferable } from 'node:worker_threads';

type Method = (...args: never[]) => unknown;

export type Protocol<M> = { readonly [K in keyof M]-?: M[K] extends (...args: never[]) => Promise<unknown> ? 'call' : 'signal' };

export type Transfers<M> = { readonly [K in keyof M]?: M[K] extends (...args: infer A) => unknown ? (...args: A) => Transferable[] : never };

type Name<M> = keyof M & string;
type Args<M, K extends keyof M> = M[K] extends (...args: infer A) => unknown ? A : never;
type Calls<M> = { [K in Name<M>]: M[K] extends (...args: never[]) => Promise<unknown> ? K : never }[Name<M>];
type Signals<M> = Exclude<Name<M>, Calls<M>>;

export interface WireError {
  name: string;
  message: string;
  stack: string;
  code?: string | number;
  cause?: WireError;
  errors?: WireError[];
  [property: string]: string | number | boolean | WireError | WireError[] | undefined;
}

// What travels to the side that implements M: its calls and signals, and the answers to its own calls.
export type Traffic<M> =
  | { [K in Calls<M>]: { type: 'call'; id: number; method: K; args: Args<M, K> } }[Calls<M>]
  | { [K in Signals<M>]: { type: 'signal'; method: K; args: Args<M, K> } }[Signals<M>]
  | { type: 'reply'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError };

export interface RpcPeerOptions<Local, Remote> {
  local: Local; // what the other side calls here
  remote: Protocol<Remote>;
  transfers?: Transfers<Remote>;
  // Traffic<Remote> out, Traffic<Local> in: both kinds, as requests and answers share one channel.
  post: (message: Traffic<Remote> | Traffic<Local>, transfer?: Transferable[]) => void;
}

// One end of the channel: `remote` calls the other side, receive() takes what it sent.
export class RpcPeer<Local extends { [K in keyof Local]: Method }, Remote extends { [K in keyof Remote]: Method }> {
  readonly remote: Remote;
  private readonly local: Local;
  private readonly post: (message: Traffic<Remote> | Traffic<Local>, transfer?: Transferable[]) => void;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private closedBy: Error | null = null;

  constructor(options: RpcPeerOptions<Local, Remote>) {
    this.local = options.local;
    this.post = options.post;
    const transfers = (options.transfers ?? {}) as Record<string, ((...args: unknown[]) => Transferable[]) | undefined>;
    const stubs: Record<string, (...args: unknown[]) => unknown> = {};
    for (const [method, kind] of Object.entries(options.remote as Record<string, 'call' | 'signal'>)) {
      const transfer = transfers[method];
      stubs[method] =
        kind === 'call'
          ? (...args) => this.call(method, args, transfer?.(...args))
          : (...args) => this.signal(method, args, transfer?.(...args));
    }
    this.remote = stubs as unknown as Remote;
  }

  receive(message: Traffic<Local>): void {
    switch (message.type) {
      case 'reply':
      case 'error': {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.type === 'reply') call?.resolve(message.value);
        else call?.reject(errorFromWire(message.error));
        return;
      }
      case 'signal':
        this.invoke(message.method, message.args);
        return;
      case 'call': {
        const { id } = message;
        let result: unknown;
        try {
          result = this.invoke(message.method, message.args);
        } catch (err) {
          this.post({ type: 'error', id, error: errorToWire(err) });
          return;
        }
        Promise.resolve(result).then(
          (value) => this.answer(id, value),
          (err: unknown) => this.post({ type: 'error', id, error: errorToWire(err) }),
        );
        return;
      }
    }
  }

  // The other side is gone: calls awaiting an answer, and calls made from now on, reject with `reason`.
  close(reason: Error): void {
    this.closedBy ??= reason;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(reason);
  }

  // A value that cannot be cloned fails the call, not this side.
  private answer(id: number, value: unknown): void {
    try {
      this.post({ type: 'reply', id, value });
    } catch (err) {
      this.post({ type: 'error', id, error: errorToWire(err) });
    }
  }

  private call(method: string, args: unknown[], transfer: Transferable[] | undefined): Promise<unknown> {
    if (this.closedBy !== null) return Promise.reject(this.closedBy);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'call', id, method, args } as Traffic<Remote>, transfer);
    });
  }

  private signal(method: string, args: unknown[], transfer: Transferable[] | undefined): void {
    if (this.closedBy === null) this.post({ type: 'signal', method, args } as Traffic<Remote>, transfer);
  }

  // The one place where a message meets the implementation: Traffic<Local> pairs each method with its
  // arguments, which TypeScript cannot follow through a lookup by name.
  private invoke(method: string, args: unknown[]): unknown {
    const fn = this.local[method as keyof Local] as unknown as (...args: unknown[]) => unknown;
    return fn.apply(this.local, args);
  }
}

// Deep enough for a Kafka client's error chains; a cycle stops there too.
const MAX_ERROR_DEPTH = 8;

export function errorToWire(err: unknown, depth = 0): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err), stack: '' };
  const wire: WireError = { name: err.name, message: err.message, stack: err.stack ?? '' };
  for (const [key, value] of Object.entries(err)) {
    if (key === 'cause' || key === 'errors') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') wire[key] = value;
  }
  if (depth < MAX_ERROR_DEPTH) {
    if (err.cause !== undefined) wire.cause = errorToWire(err.cause, depth + 1);
    const nested: unknown = (err as { errors?: unknown }).errors;
    if (Array.isArray(nested)) wire.errors = nested.map((e: unknown) => errorToWire(e, depth + 1));
  }
  return wire;
}

// An Error with the thrower's name, message, stack and properties.
export function errorFromWire(wire: WireError): Error {
  const { message, stack, cause, errors, ...properties } = wire;
  const err = cause === undefined ? new Error(message) : new Error(message, { cause: errorFromWire(cause) });
  Object.assign(err, properties);
  if (errors !== undefined) Object.assign(err, { errors: errors.map(errorFromWire) });
  err.stack = stack;
  return err;
}
