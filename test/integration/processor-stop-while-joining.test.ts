// A Ctrl+C (abort) while the processor is still joining its group must stop it like one that comes later:
// the join takes seconds (longer when a previous member's session has to expire first), and an abort in
// that time was once lost, so the processor went on running until a second signal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/processor/config.ts';
import { PROCESSOR_DEFAULTS, runProcessor } from '../../src/processor/consumer.ts';
import { startBroker, type TestBroker } from '../helpers/broker.ts';

let tb: TestBroker;

before(async () => {
  tb = await startBroker({ groupInitialRebalanceDelayMs: 0 });
});

after(async () => {
  await tb.stop();
});

test('an abort that comes while the group join is under way stops the processor', { timeout: 60_000 }, async () => {
  const controller = new AbortController();
  let assigned = false;
  const done = runProcessor(
    { ...PROCESSOR_DEFAULTS, brokers: [tb.bootstrap], group: 'stop-while-joining', clientId: 'stop-while-joining', config: DEFAULT_CONFIG, logFile: '/dev/null' },
    controller.signal,
    {
      logger: pino({ level: 'silent' }),
      console: undefined,
      // The group's join event comes before the client's consume() returns: aborting here is aborting
      // during the join.
      onAssignment: () => {
        assigned = true;
        controller.abort();
      },
    },
  );
  const outcome = await Promise.race([done.then(() => 'stopped'), new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 20_000).unref())]);
  assert.equal(assigned, true);
  assert.equal(outcome, 'stopped');
});
