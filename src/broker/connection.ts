// One client connection: frames requests (4-byte size prefix), runs them strictly one at a time and
// writes responses in request order, as Kafka does. The frame size is checked against the limit before
// any buffer is allocated for it. Anything malformed closes this connection only (error tier 2);
// unexpected exceptions are logged with the request's identity and also close just this connection.
// On a SASL listener only ApiVersions and the SASL APIs are served until the client has logged in;
// anything else closes the connection, as Kafka does. After a SaslHandshake v0 the next frame is a raw
// SASL token (no request header) and so is the answer.

import type { Socket } from 'node:net';
import { API_VERSIONS_KEY, requestHeaderVersion, responseHeaderVersion } from '../protocol/api.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { readRequestHeader, skipTaggedFields, writeResponseHeader } from '../protocol/header.ts';
import type { RequestHeader } from '../protocol/header.ts';
import { Produce } from '../protocol/messages/00-produce.ts';
import { ApiVersions } from '../protocol/messages/18-api-versions.ts';
import { DecodeError, Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import type { BrokerContext } from './context.ts';
import type { Registry, RequestContext } from './registry.ts';
import { SaslSession } from './security/sasl.ts';

// Pause reading when a client pipelines more than this many unanswered requests, so a fast producer
// cannot make us buffer without bound.
const MAX_QUEUED_FRAMES = 64;
const MAX_UNAUTHENTICATED_FRAME_BYTES = 512 * 1024;

export class Connection {
  readonly id: number;
  private readonly socket: Socket;
  private readonly broker: BrokerContext;
  private readonly registry: Registry;
  private readonly abort = new AbortController();
  private readonly sasl: SaslSession | null;

  // Frame assembly: `sizeBuf` collects the 4-byte prefix, `frame` the body once its size is known.
  private sizeBuf = Buffer.alloc(4);
  private sizeHave = 0;
  private frame: Buffer | null = null;
  private frameHave = 0;

  private readonly queue: Buffer[] = [];
  private processing = false;
  private closed = false;
  private clientId: string | null = null;
  // Bytes of this connection's frames counted in the broker's requestMemory (partial and queued ones).
  private reserved = 0;
  // When the frame being assembled started (0: none), and when anything was last read or written.
  private partialSince = 0;
  private lastActive = Date.now();

  constructor(id: number, socket: Socket, broker: BrokerContext, registry: Registry) {
    this.id = id;
    this.socket = socket;
    this.broker = broker;
    this.registry = registry;
    this.sasl = broker.sasl === null ? null : new SaslSession(broker.sasl, broker.logger.child({ conn: id, remote: socket.remoteAddress }));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.broker.logger.debug({ conn: id, err: err.message }, 'socket error'));
    socket.on('close', () => this.onClose());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.socket.destroy();
  }

  private onClose(): void {
    this.closed = true;
    this.abort.abort();
    this.queue.length = 0;
    this.frame = null;
    this.broker.requestMemory.used -= this.reserved;
    this.reserved = 0;
  }

  // Called by the broker's sweep: closes a connection stalled inside a frame, or idle for too long.
  checkTimeouts(now: number): void {
    if (this.closed) return;
    const { frameTimeoutMs, idleTimeoutMs } = this.broker.config;
    if (this.partialSince !== 0 && now - this.partialSince > frameTimeoutMs) {
      this.fail('request frame not received in time, closing connection', { timeoutMs: frameTimeoutMs, have: this.frameHave, size: this.frame?.length ?? null });
    } else if (!this.processing && this.queue.length === 0 && now - this.lastActive > idleTimeoutMs) {
      this.broker.logger.info({ conn: this.id, clientId: this.clientId, idleMs: now - this.lastActive }, 'idle connection closed');
      this.close();
    }
  }

  private release(bytes: number): void {
    this.reserved -= bytes;
    this.broker.requestMemory.used -= bytes;
  }

  private fail(reason: string, extra: Record<string, unknown> = {}): void {
    this.broker.logger.warn({ conn: this.id, clientId: this.clientId, remote: this.socket.remoteAddress, ...extra }, reason);
    this.close();
  }

  private onData(chunk: Buffer): void {
    this.lastActive = Date.now();
    let pos = 0;
    while (pos < chunk.length && !this.closed) {
      if (this.frame === null) {
        const take = Math.min(4 - this.sizeHave, chunk.length - pos);
        chunk.copy(this.sizeBuf, this.sizeHave, pos, pos + take);
        this.sizeHave += take;
        pos += take;
        if (this.sizeHave < 4) {
          if (this.partialSince === 0) this.partialSince = this.lastActive;
          return;
        }
        const size = this.sizeBuf.readInt32BE(0);
        this.sizeHave = 0;
        this.partialSince = 0;
        // Before a SASL login, frames are capped as Kafka's sasl.server.max.receive.size caps them: an
        // unauthenticated client cannot make the broker hold a large frame.
        const limit = this.sasl !== null && !this.sasl.authenticated ? Math.min(MAX_UNAUTHENTICATED_FRAME_BYTES, this.broker.config.maxFrameBytes) : this.broker.config.maxFrameBytes;
        if (size <= 0 || size > limit) {
          this.fail('invalid frame size, closing connection', { size, limit });
          return;
        }
        // Counted before anything is allocated; past the broker-wide cap the connection is closed, not
        // buffered (one frame is always admitted when nothing else is held, so no size can starve).
        const memory = this.broker.requestMemory;
        if (memory.used > 0 && memory.used + size > this.broker.config.maxBufferedRequestBytes) {
          this.fail('buffered request bytes over the limit, closing connection', { size, buffered: memory.used, limit: this.broker.config.maxBufferedRequestBytes });
          return;
        }
        memory.used += size;
        this.reserved += size;
        // A whole frame inside this chunk needs no copy.
        if (chunk.length - pos >= size) {
          this.enqueue(chunk.subarray(pos, pos + size));
          pos += size;
          continue;
        }
        // A frame that spans socket chunks is assembled in a pooled buffer (see handleFrame).
        this.frame = this.broker.buffers.take(size);
        this.frameHave = 0;
        this.partialSince = this.lastActive;
      }
      const take = Math.min(this.frame.length - this.frameHave, chunk.length - pos);
      chunk.copy(this.frame, this.frameHave, pos, pos + take);
      this.frameHave += take;
      pos += take;
      if (this.frameHave === this.frame.length) {
        const frame = this.frame;
        this.frame = null;
        this.partialSince = 0;
        this.enqueue(frame);
      }
    }
  }

  private enqueue(frame: Buffer): void {
    this.queue.push(frame);
    if (this.queue.length >= MAX_QUEUED_FRAMES) this.socket.pause();
    if (!this.processing) {
      this.drain().catch((err: unknown) => {
        // Only reachable if logging or closing itself failed; still nothing escapes into the process.
        this.processing = false;
        this.socket.destroy();
        this.broker.logger.error({ conn: this.id, err }, 'connection failed');
      });
    }
  }

  private async drain(): Promise<void> {
    this.processing = true;
    while (this.queue.length > 0 && !this.closed && !this.sasl?.failed) {
      const frame = this.queue.shift() as Buffer;
      if (this.queue.length < MAX_QUEUED_FRAMES / 2 && this.socket.isPaused()) this.socket.resume();
      try {
        await this.handleFrame(frame);
        if (!this.closed) this.release(frame.length);
      } catch (err) {
        // Last line of defence: whatever went wrong stays inside this connection.
        this.broker.logger.error({ conn: this.id, clientId: this.clientId, ...frameIdentity(frame), err }, 'request failed, closing connection');
        this.close();
      }
    }
    this.processing = false;
  }

  // Buffers leased for the response go back to the pool once the socket has written it (at once when there
  // is no response). A Produce frame goes back once handled: the log has written its records out and the
  // producer state keeps numbers only. Other requests' frames are left to the GC, because their handlers
  // may keep views of them (group member metadata and assignments).
  private async handleFrame(frame: Buffer): Promise<void> {
    const leased: Buffer[] = [];
    const release = () => {
      for (const b of leased) this.broker.buffers.give(b);
    };
    let response: Writer | null = null;
    try {
      response = await this.answer(frame, (size) => {
        const b = this.broker.buffers.take(size);
        leased.push(b);
        return b;
      });
    } finally {
      // A refused login: the answer goes out, then the connection closes (nothing after it is read).
      if (this.sasl?.failed) {
        this.socket.pause();
        const closeAfter = () => {
          release();
          this.close();
        };
        if (response !== null) this.send(response, closeAfter);
        else closeAfter();
      } else if (response !== null) this.send(response, release);
      else release();
      if (frame.length >= 2 && frame.readInt16BE(0) === Produce.key) this.broker.buffers.give(frame);
    }
  }

  // Decodes and handles one request; returns the encoded response, or null when there is none to send.
  private async answer(frame: Buffer, lease: (size: number) => Buffer): Promise<Writer | null> {
    if (this.sasl?.expectsRawToken) return this.rawSaslToken(frame);
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = readRequestHeader(r);
    } catch {
      this.fail('malformed request header, closing connection', { bytes: frame.length });
      return null;
    }
    this.clientId = header.clientId;
    const handler = this.registry.get(header.apiKey);
    const ident = { apiKey: header.apiKey, apiVersion: header.apiVersion, correlationId: header.correlationId };
    if (!handler) {
      this.fail('unknown api key, closing connection', ident);
      return null;
    }
    if (this.sasl !== null && !this.sasl.allows(header.apiKey)) {
      this.fail('request before SASL authentication, closing connection', { ...ident, api: handler.api.name });
      return null;
    }
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey === API_VERSIONS_KEY) {
        // KIP-511: answer with a v0 body so the client learns our range and retries with one we speak.
        return this.unsupportedApiVersions(header);
      }
      this.fail('unsupported api version, closing connection', ident);
      return null;
    }
    const { api } = handler;
    let request: unknown;
    try {
      if (requestHeaderVersion(api, header.apiVersion) === 2) skipTaggedFields(r);
      request = api.request.decode(r, header.apiVersion);
    } catch (err) {
      const reason = err instanceof DecodeError ? 'malformed request body' : 'request decoding failed';
      this.fail(`${reason}, closing connection`, { ...ident, api: api.name, err: (err as Error).message });
      return null;
    }
    const ctx: RequestContext = { broker: this.broker, header, connectionId: this.id, clientHost: `/${this.socket.remoteAddress ?? ''}`, signal: this.abort.signal, sasl: this.sasl, lease };
    let response: unknown;
    try {
      response = await handler.handle(request, ctx);
    } catch (err) {
      this.broker.logger.error({ conn: this.id, clientId: this.clientId, api: api.name, ...ident, err }, 'handler failed, closing connection');
      this.close();
      return null;
    }
    if (response === null || this.closed) return null;
    const w = new Writer();
    writeResponseHeader(w, header.correlationId, responseHeaderVersion(api, header.apiVersion));
    try {
      api.response.encode(w, header.apiVersion, response);
    } catch (err) {
      this.broker.logger.error({ conn: this.id, clientId: this.clientId, api: api.name, ...ident, err }, 'response encoding failed, closing connection');
      this.close();
      return null;
    }
    return w;
  }

  // A v0-handshake client's token: the answer is the server's token, size-prefixed like any response. A
  // failed login gets no answer (the pre-1.0 protocol has no way to say why), the connection just closes.
  private async rawSaslToken(frame: Buffer): Promise<Writer | null> {
    const reply = await (this.sasl as SaslSession).authenticate(frame);
    if (reply.errorCode !== ErrorCode.NONE) return null;
    return new Writer().raw(reply.authBytes);
  }

  private unsupportedApiVersions(header: RequestHeader): Writer {
    const w = new Writer();
    writeResponseHeader(w, header.correlationId, 0);
    const body = ApiVersions.response.zero();
    body.errorCode = ErrorCode.UNSUPPORTED_VERSION;
    body.apiKeys = this.registry.all().map((h) => ({ apiKey: h.api.key, minVersion: h.minVersion, maxVersion: h.maxVersion }));
    ApiVersions.response.encode(w, 0, body);
    return w;
  }

  // `written` runs once the socket no longer needs the response's bytes: written out, or dropped with
  // an error when the connection is gone.
  private send(w: Writer, written: () => void): void {
    const chunks = w.toChunks();
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(w.length, 0);
    const writes = [size, ...chunks];
    this.lastActive = Date.now();
    this.socket.cork();
    writes.forEach((c, i) => this.socket.write(c, i === writes.length - 1 ? written : undefined));
    this.socket.uncork();
  }
}

// The request's identity read straight from the frame (api key, version, correlation id), for a failure
// that happened outside the decoded request.
function frameIdentity(frame: Buffer): { apiKey?: number; apiVersion?: number; correlationId?: number } {
  if (frame.length < 8) return {};
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}
