// pino loggers shared by every part. Log level comes from LOG_LEVEL (default info); `silent` for tests.
// A file destination is created with its directory, so `logs/` need not exist beforehand.

import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  file?: string;
}

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  if (options.file) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    return pino({ name, level }, pino.destination({ dest: options.file, mkdir: true, sync: false }));
  }
  return pino({ name, level });
}
