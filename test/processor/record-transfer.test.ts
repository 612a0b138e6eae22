import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIM_INCIDENT_HEADER, SIM_LABEL_HEADER } from '../../src/bank/transaction.ts';
import type { InputRecord } from '../../src/processor/partition-processor.ts';
import { packRecords, unpackRecords } from '../../src/processor/record-transfer.ts';

test('records cross to the processing thread with position, timestamp, key, value, label and incident intact', () => {
  const records: InputRecord[] = [
    { partition: 0, offset: 0n, timestamp: 1_736_121_600_123n, key: Buffer.from('ACC-1'), value: Buffer.from('{"a":1}'), headers: new Map([[Buffer.from(SIM_LABEL_HEADER), Buffer.from('card_testing')], [Buffer.from(SIM_INCIDENT_HEADER), Buffer.from('inc-7')]]) },
    { partition: 7, offset: 2n ** 40n, timestamp: -1n, key: null, value: null, headers: new Map([[SIM_INCIDENT_HEADER, 'inc-without-label']]) },
    { partition: 2, offset: 5n, timestamp: 9n, key: Buffer.alloc(0), value: Buffer.from([0xff, 0x00, 0xfe]), headers: [[Buffer.from('other'), Buffer.from('x')], [SIM_LABEL_HEADER, 'normal']] },
  ];
  const batch = packRecords(records);
  assert.ok(batch instanceof ArrayBuffer);
  const back = unpackRecords(batch);
  assert.equal(back.length, records.length);
  back.forEach((r, i) => {
    const original = records[i] as InputRecord;
    assert.equal(r.partition, original.partition);
    assert.equal(r.offset, original.offset);
    assert.equal(Number(r.timestamp), Number(original.timestamp));
    assert.deepEqual(r.key === null ? null : Buffer.from(r.key as Buffer), original.key === null ? null : Buffer.from(original.key as Buffer));
    assert.deepEqual(r.value === null ? null : Buffer.from(r.value as Buffer), original.value === null ? null : Buffer.from(original.value as Buffer));
  });
  const labels = back.map((r) => [...(r.headers ?? [])].map(([k, v]) => [String(k), String(v)]));
  assert.deepEqual(labels, [[[SIM_LABEL_HEADER, 'card_testing'], [SIM_INCIDENT_HEADER, 'inc-7']], [], [[SIM_LABEL_HEADER, 'normal']]], 'only the ground-truth headers cross, the incident only with a label');
  assert.deepEqual(unpackRecords(packRecords([])), []);
});
