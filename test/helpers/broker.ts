// Starts a real embedded broker on 127.0.0.1, port 0, over a temporary data dir, for one test file.
// stop() closes it and removes the directory; restart() reopens the same directory (crash/restart tests).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Broker } from '../../src/broker/server.ts';
import type { BrokerOptions } from '../../src/broker/server.ts';
import { createLogger } from '../../src/logging.ts';

export function tempDir(prefix = 'buzzline-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestBroker {
  broker: Broker; // the running broker; restart() replaces it
  bootstrap: string; // the same across restarts
  dataDir: string;
  stop(): Promise<void>;
  restart(): Promise<void>; // close, then start again on the same port and data directory
}

export async function startBroker(options: BrokerOptions = {}): Promise<TestBroker> {
  const dataDir = options.dataDir ?? tempDir();
  const open = (port: number) =>
    Broker.start({
      host: '127.0.0.1',
      logger: createLogger('broker', { level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      ...options,
      port,
      dataDir,
    });
  const first = await open(options.port ?? 0);
  // Clients keep their bootstrap address across a restart, so the broker comes back on the same port.
  const port = first.address().port;
  const tb: TestBroker = {
    broker: first,
    bootstrap: first.bootstrap,
    dataDir,
    stop: async () => {
      await tb.broker.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
    restart: async () => {
      await tb.broker.close();
      tb.broker = await open(port);
    },
  };
  return tb;
}
