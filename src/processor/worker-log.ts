// The processing thread's log lines, written by the Kafka thread's logger (a file, stdout or a test's
// capture; a pino Logger cannot cross threads). The worker's pino writes each line as a string to the
// Kafka thread, where it is logged again at its level, with its fields, its message and the time it was
// written on the worker, not when it arrived: a busy Kafka thread can hold a line up for a while.
import pino, { type Logger } from 'pino';

export function workerLogger(level: string, write: (line: string) => void): Logger {
  return pino({ level }, { write });
}

export class WorkerLogRelay {
  private readonly logger: Logger;
  private time = '';

  constructor(logger: Logger) {
    // A child of the Kafka thread's logger (its bindings, level and destination) whose timestamp is the
    // relayed line's own. pino writes what its time function returns into every line; pino.symbols is
    // pino's way for integrations to replace such internals, here on the child only.
    const relay = logger.child({});
    Object.defineProperty(relay, pino.symbols.timeSym, { value: () => this.time });
    this.logger = relay;
  }

  write(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, time, pid: _pid, hostname: _hostname, ...fields } = entry;
    const label = this.logger.levels.labels[Number(level)] ?? 'info';
    const log = this.logger[label as 'info'];
    if (typeof log !== 'function') return;
    this.time = `,"time":${typeof time === 'number' ? time : Date.now()}`;
    log.call(this.logger, fields, typeof msg === 'string' ? msg : '');
  }
}
