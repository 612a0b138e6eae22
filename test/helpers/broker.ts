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
  broker: Broker;
  bootstrap: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startBroker(options: BrokerOptions = {}): Promise<TestBroker> {
  const dataDir = options.dataDir ?? tempDir();
  const broker = await Broker.start({
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('broker', { level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...options,
    dataDir,
  });
  return {
    broker,
    bootstrap: broker.bootstrap,
    dataDir,
    stop: async () => {
      await broker.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
