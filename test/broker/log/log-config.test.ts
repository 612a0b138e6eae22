import { ErrorCode } from '../../../src/protocol/error-codes.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LOG_CONFIG, isLogConfigKey, logConfigFromKafka, logConfigToKafka, validateLogConfig } from '../../../src/broker/log/log-config.ts';
import { LogError } from '../../../src/broker/log/log-error.ts';

test("defaults are Kafka's", () => {
  assert.deepEqual(logConfigToKafka(DEFAULT_LOG_CONFIG), {
    'segment.bytes': '1073741824',
    'segment.ms': '604800000',
    'retention.bytes': '-1',
    'retention.ms': '604800000',
    'index.interval.bytes': '4096',
    'max.message.bytes': '1048588',
  });
});

test('Kafka-named overrides map onto the typed config; other topic configs are ignored', () => {
  const c = logConfigFromKafka({ 'segment.bytes': '1048576', 'retention.ms': '-1', 'cleanup.policy': 'delete', 'retention.bytes': null });
  assert.deepEqual(c, { ...DEFAULT_LOG_CONFIG, segmentBytes: 1048576, retentionMs: -1 });
  assert.equal(isLogConfigKey('retention.bytes'), true);
  assert.equal(isLogConfigKey('cleanup.policy'), false);
  const base = { ...DEFAULT_LOG_CONFIG, segmentMs: 1000 };
  assert.equal(logConfigFromKafka({ 'retention.ms': '5' }, base).segmentMs, 1000);
});

test('malformed or out-of-range values are ErrorCode.INVALID_CONFIG', () => {
  for (const [name, value] of [['segment.bytes', '10'], ['segment.bytes', '2147483648'], ['retention.ms', '-2'], ['segment.ms', '1.5'], ['retention.bytes', 'lots'], ['index.interval.bytes', '']]) {
    assert.throws(
      () => logConfigFromKafka({ [name as string]: value }),
      (e: unknown) => e instanceof LogError && e.code === ErrorCode.INVALID_CONFIG,
      `${name}=${value}`,
    );
  }
  assert.throws(() => validateLogConfig({ ...DEFAULT_LOG_CONFIG, segmentBytes: 0 }), LogError);
  validateLogConfig(DEFAULT_LOG_CONFIG);
});
