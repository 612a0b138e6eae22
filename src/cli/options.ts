// Argument parsers shared by the commands: commander reports their errors as "error: option ... argument
// ... is invalid. <reason>" and exits 1 without a stack trace.

import { InvalidArgumentError } from 'commander';
import { parseBrokerList } from '../kafka-brokers.ts';

export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const n = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${raw}"`);
    }
    return n;
  };
}

export const port = integer(0, 65535);

// Where the process was asked to stop (Ctrl+C, kill), run `stop` once and exit 0; a second signal
// while stopping exits at once.
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`error while stopping after ${signal}: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

export function brokerList(raw: string): string[] {
  try {
    return parseBrokerList(raw);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}
