import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, errorName } from '../../src/protocol/error-codes.ts';

test('codes are unique and cover -1..127 without gaps', () => {
  const codes = Object.values(ErrorCode).toSorted((a, b) => a - b);
  assert.equal(new Set(codes).size, codes.length);
  assert.deepEqual(codes, Array.from({ length: 129 }, (_, i) => i - 1));
});

test('well-known codes carry Kafka\'s numbers', () => {
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
  assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.TOPIC_ALREADY_EXISTS, 36);
  assert.equal(ErrorCode.INVALID_RECORD, 87);
  assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
  assert.equal(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, 115);
});

test('errorName maps codes back to names, unknown codes to a readable label', () => {
  assert.equal(errorName(0), 'NONE');
  assert.equal(errorName(-1), 'UNKNOWN_SERVER_ERROR');
  assert.equal(errorName(ErrorCode.REBALANCE_IN_PROGRESS), 'REBALANCE_IN_PROGRESS');
  assert.equal(errorName(9999), 'UNKNOWN_ERROR_CODE_9999');
});
