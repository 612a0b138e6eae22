// pino loggers shared by every part. Log level comes from LOG_LEVEL (default info); `silent` for tests.
// A file destination is created with its directory, so `logs/` need not exist beforehand.
//
// Lines go through a LogSink that never blocks or throws: writes are asynchronous, one at a time, and a
// write that fails (ENOSPC when the log's disk is full) drops its lines and counts them, as do lines
// beyond a bounded backlog. Once a write works again one notice says how many were dropped. A broker whose
// log disk is full keeps answering clients.

import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';

// The part of fs a sink writes with (tests inject failures).
export type WriteFn = (fd: number, data: Buffer, cb: (err: NodeJS.ErrnoException | null) => void) => void;

const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

// Whatever is still queued at exit is written synchronously, so the last lines are not lost. One listener
// for all sinks, so that many loggers (tests) do not add a listener each.
const SINKS = new Set<{ flushSync(): void }>();
process.on('exit', () => {
  for (const s of SINKS) s.flushSync();
});

export class LogSink {
  private readonly fd: number;
  private readonly writeFn: WriteFn;
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing = false;
  dropped = 0;

  constructor(fd: number, writeFn: WriteFn = writeAll) {
    this.fd = fd;
    this.writeFn = writeFn;
    SINKS.add(this);
  }

  write(line: string): boolean {
    if (this.pendingBytes + line.length > MAX_BACKLOG_BYTES) {
      this.dropped++;
      return true;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (!this.writing) this.next();
    return true;
  }

  private next(): void {
    if (this.pending.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    // Lines were dropped: the notice goes first, and counts as written only if this write works.
    const noticeFor = this.dropped;
    if (noticeFor > 0) lines.unshift(JSON.stringify({ level: 40, time: Date.now(), msg: 'log lines dropped while the log could not be written', dropped: noticeFor }) + '\n');
    const count = lines.length - (noticeFor > 0 ? 1 : 0);
    this.writeFn(this.fd, Buffer.from(lines.join('')), (err) => {
      if (err) this.dropped += count;
      else this.dropped -= noticeFor;
      this.next();
    });
  }

  flushSync(): void {
    if (this.pending.length === 0) return;
    try {
      fs.writeSync(this.fd, this.pending.join(''));
    } catch {
      // Nothing to be done at exit; the lines are dropped.
    }
    this.pending = [];
  }
}

// Writes all of data, continuing after short writes (a nearly full disk takes part of a write).
function writeAll(fd: number, data: Buffer, cb: (err: NodeJS.ErrnoException | null) => void): void {
  fs.write(fd, data, (err, written) => {
    if (err) cb(err);
    else if (written < data.length) writeAll(fd, data.subarray(written), cb);
    else cb(null);
  });
}

export interface LoggerOptions {
  level?: string;
  file?: string;
  // Where lines go instead of stdout or the file (tests).
  sink?: { write(line: string): unknown };
}

// An info line whose fields the caller already has as JSON text, written as pino writes its lines (its
// level, time and bindings from the logger itself, through pino's public symbols, to the logger's
// stream). For the producer's line per message, which carries the message's own bytes: pino would
// serialise the message object again field by field, and at full speed that was about a fifth of the
// producer's CPU. `fields` is `"name":value` pairs joined by commas. Nothing is written below info.
export function logInfoJson(logger: Logger, fields: string): void {
  if (!logger.isLevelEnabled('info')) return;
  const l = logger as unknown as Record<symbol, unknown>;
  const { lsCacheSym, timeSym, chindingsSym, endSym, streamSym } = pino.symbols;
  const level = (l[lsCacheSym] as Record<number, string>)[30];
  const line = `${level}${(l[timeSym] as () => string)()}${l[chindingsSym] as string},${fields}${l[endSym] as string}`;
  (l[streamSym] as { write(line: string): unknown }).write(line);
}

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  if (options.sink) return pino({ name, level }, options.sink);
  if (options.file) {
    let fd: number;
    try {
      fs.mkdirSync(path.dirname(options.file), { recursive: true });
      fd = fs.openSync(options.file, 'a');
    } catch (err) {
      // A directory, a path under a file, no permission: a message naming the file for the command's one
      // line, rather than a bare fs error (or a stack trace).
      throw new Error(`cannot open the log file ${options.file}: ${(err as Error).message}`, { cause: err });
    }
    return pino({ name, level }, new LogSink(fd));
  }
  return pino({ name, level }, new LogSink(1));
}
