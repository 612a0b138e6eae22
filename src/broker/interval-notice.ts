// One log line per interval for a condition that can repeat on every request (a client auto-creating
// topic after topic past the broker's limit): the first occurrence is logged at once, later ones are
// counted and summed up in the next line, which comes no sooner than intervalMs after the last.
import type { Logger } from 'pino';

export class IntervalNotice {
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastMs = Number.NEGATIVE_INFINITY;
  private suppressed = 0;

  constructor(logger: Logger, intervalMs: number, now: () => number = Date.now) {
    this.logger = logger;
    this.intervalMs = intervalMs;
    this.now = now;
  }

  // Logs fields and msg at warn unless a line went out less than intervalMs ago; returns whether it did.
  warn(fields: Record<string, unknown>, msg: string): boolean {
    const t = this.now();
    if (t - this.lastMs < this.intervalMs) {
      this.suppressed++;
      return false;
    }
    this.logger.warn({ ...fields, suppressed: this.suppressed }, this.suppressed > 0 ? `${msg} (and ${this.suppressed} more like it since the last notice)` : msg);
    this.lastMs = t;
    this.suppressed = 0;
    return true;
  }
}
