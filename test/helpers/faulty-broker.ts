// A broker process with faults injected, for the tests of error tier 3 (unexpected exceptions). Its logger
// throws the first time the broker logs each message named on the command line for the named group, so
// the code that logs it (inside handlers and inside the group coordinator's timers) fails as a bug there
// would. Logs go to stdout as JSON lines, like `buzzline broker`.
//
//   node test/helpers/faulty-broker.ts <data-dir> <log message>@<group id>...

import pino from 'pino';
import { Broker } from '../../src/broker/server.ts';

const [dataDir, ...failOn] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: faulty-broker.ts <data-dir> <message>@<group>...');
const pending = new Set(failOn);

const logger = pino({
  name: 'broker',
  level: 'info',
  hooks: {
    logMethod(args, method) {
      const [fields, msg] = args;
      const group = typeof fields === 'object' && fields !== null && 'group' in fields ? String(fields.group) : '';
      const fault = `${String(msg)}@${group}`;
      if (pending.delete(fault)) throw new Error(`injected failure while logging "${fault}"`);
      method.apply(this, args);
    },
  },
});

// The test watches for these: neither may happen, whatever the broker does with the failures.
process.on('unhandledRejection', (err) => logger.fatal({ err }, 'unhandled rejection'));
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception');
  process.exit(70);
});

const broker = await Broker.start({ host: '127.0.0.1', port: 0, dataDir, groupInitialRebalanceDelayMs: 0, logger });
process.on('SIGTERM', () => void broker.close().then(() => process.exit(0)));
