// A bare TCP client for the broker's robustness tests: sends hand-made (often malformed) frames and reads
// framed responses. Functional tests use real Kafka clients instead; this exists to send what they never
// would.

import net from 'node:net';
import type { Api } from '../../src/protocol/api.ts';
import { requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/api.ts';
import { writeRequestHeader } from '../../src/protocol/header.ts';
import { Reader } from '../../src/protocol/reader.ts';
import { Writer } from '../../src/protocol/writer.ts';

export class RawClient {
  private readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiting: (() => void) | null = null;
  closed = false;
  private correlationId = 1;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        this.frames.push(this.buffered.subarray(4, 4 + size));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(bootstrap: string): Promise<RawClient> {
    const [host, port] = bootstrap.split(':');
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port: Number(port) }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  // Sends a well-formed request; returns its correlation id.
  send<Req, Res>(api: Api<Req, Res>, version: number, body: Req, clientId = 'raw-test'): number {
    const correlationId = this.correlationId++;
    const w = new Writer();
    writeRequestHeader(w, { apiKey: api.key, apiVersion: version, correlationId, clientId }, requestHeaderVersion(api, version));
    api.request.encode(w, version, body);
    const frame = w.toBuffer();
    const size = Buffer.alloc(4);
    size.writeInt32BE(frame.length);
    this.socket.write(Buffer.concat([size, frame]));
    return correlationId;
  }

  // Next response frame, or null if the broker closed the connection first.
  async nextFrame(timeoutMs = 5000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && !this.closed) {
      if (Date.now() > deadline) throw new Error('timed out waiting for a response');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.frames.shift() ?? null;
  }

  async receive<Req, Res>(api: Api<Req, Res>, version: number, timeoutMs?: number): Promise<{ correlationId: number; body: Res }> {
    const frame = await this.nextFrame(timeoutMs);
    if (frame === null) throw new Error('connection closed');
    const r = new Reader(frame);
    const correlationId = r.int32();
    if (responseHeaderVersion(api, version) === 1) r.uvarint();
    return { correlationId, body: api.response.decode(r, version) };
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  // Stops reading, so that the broker's responses back up unsent; resume() reads on.
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    this.socket.destroy();
  }
}
