// The processing thread's log lines, relogged by the Kafka thread's logger: level, message, fields and the
// worker's own time survive; the Kafka thread's bindings and level apply.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { WorkerLogRelay, workerLogger } from '../../src/processor/worker-log.ts';

function kafkaThreadLogger(level: string) {
  const raw: string[] = [];
  // A timestamp nobody else writes: a line stamped on this side shows it.
  const logger = pino({ name: 'banking-consumer', level, timestamp: () => ',"time":"kafka-thread"' }, { write: (s: string) => raw.push(s) });
  return { logger, raw, entries: () => raw.map((s) => JSON.parse(s) as Record<string, unknown>) };
}

test("a relayed line keeps the worker's time, level, message and fields", () => {
  const main = kafkaThreadLogger('info');
  const relay = new WorkerLogRelay(main.logger);
  const written: string[] = [];
  const worker = workerLogger('debug', (line) => {
    written.push(line);
    relay.write(line);
  });
  worker.warn({ event: 'seek', partition: 2 }, 'seeking back');
  worker.debug({ event: 'checkpoint' }, 'below the Kafka thread level');
  main.logger.info('a line of the Kafka thread itself');

  const workerTime = (JSON.parse(written[0] as string) as { time: number }).time;
  assert.equal(typeof workerTime, 'number');
  const [relayed, own, ...rest] = main.entries();
  assert.deepEqual(rest, [], 'the debug line is below the Kafka thread logger level');
  assert.deepEqual({ ...relayed, pid: undefined, hostname: undefined }, {
    level: 40, time: workerTime, name: 'banking-consumer', event: 'seek', partition: 2, msg: 'seeking back', pid: undefined, hostname: undefined,
  });
  assert.equal(main.raw[0]?.match(/"time"/g)?.length, 1, 'one time field, not a second one beside the relogging time');
  assert.equal(own?.time, 'kafka-thread', "the relay's timestamp stays with the relay");
});

test('the time of the line, not of its arrival, even when it arrives late', () => {
  const main = kafkaThreadLogger('info');
  const relay = new WorkerLogRelay(main.logger);
  relay.write(JSON.stringify({ level: 30, time: 1_700_000_000_123, pid: 1, hostname: 'h', event: 'partition-start', msg: 'partition 0: fresh start' }));
  relay.write(JSON.stringify({ level: 50, time: 1_700_000_000_456, msg: 'gap' }));
  relay.write('not json');
  assert.deepEqual(main.entries().map((e) => [e.level, e.time, e.msg]), [
    [30, 1_700_000_000_123, 'partition 0: fresh start'],
    [50, 1_700_000_000_456, 'gap'],
  ]);
});
