// logInfoJson writes the line pino would write for the same fields, and respects the level.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, logInfoJson } from '../src/logging.ts';

function capture(level: string): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger('log-test', { level, sink: { write: (line: string) => lines.push(line) } }), lines };
}

test('logInfoJson writes the line pino writes for the same fields, time aside', () => {
  const { logger, lines } = capture('info');
  const tx = { transaction_id: 'tx-1', amount: 5.5, note: 'a "quoted" word' };
  logger.info({ event: 'produced', key: 'CHK-1', tx });
  logInfoJson(logger, `"event":"produced","key":"CHK-1","tx":${JSON.stringify(tx)}`);
  const child = logger.child({ part: 'child' });
  child.info({ event: 'x' });
  logInfoJson(child, '"event":"x"');
  assert.equal(lines.length, 4);
  const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');
  assert.equal(withoutTime(lines[1] as string), withoutTime(lines[0] as string));
  assert.equal(withoutTime(lines[3] as string), withoutTime(lines[2] as string));
  assert.ok((lines[1] as string).endsWith('}\n'));
});

test('logInfoJson writes nothing when info is off', () => {
  const { logger, lines } = capture('warn');
  logInfoJson(logger, '"event":"produced"');
  assert.deepEqual(lines, []);
});
