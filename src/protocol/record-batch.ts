// RecordBatch v2 (magic 2), the only on-wire and on-disk record format the broker accepts. The broker
// stores batches exactly as clients sent them: it reads the fixed 61-byte header, verifies the CRC and
// assigns offsets by patching baseOffset, which lies before the CRC-covered range, so neither compressed
// payloads nor individual records are ever touched on the produce path.
//
//   offset  field                 type
//   0       baseOffset            int64
//   8       batchLength           int32   bytes after this field (total size = 12 + batchLength)
//   12      partitionLeaderEpoch  int32
//   16      magic                 int8    = 2
//   17      crc                   uint32  CRC-32C of bytes [21, end)
//   21      attributes            int16
//   23      lastOffsetDelta       int32
//   27      baseTimestamp         int64
//   35      maxTimestamp          int64
//   43      producerId            int64
//   51      producerEpoch         int16
//   53      baseSequence          int32
//   57      recordCount           int32
//   61      records...
//
// decodeRecords and buildRecordBatch handle the record level for uncompressed batches only; they serve
// tests and the broker's own internal topics, never the client produce path.

import { crc32c } from './crc32c.ts';
import { ErrorCode } from './error-codes.ts';
import { DecodeError, Reader } from './reader.ts';
import { Writer } from './writer.ts';

export const BASE_OFFSET_POS = 0;
export const BATCH_LENGTH_POS = 8;
export const PARTITION_LEADER_EPOCH_POS = 12;
export const MAGIC_POS = 16;
export const CRC_POS = 17;
export const ATTRIBUTES_POS = 21;
export const LAST_OFFSET_DELTA_POS = 23;
export const BASE_TIMESTAMP_POS = 27;
export const MAX_TIMESTAMP_POS = 35;
export const PRODUCER_ID_POS = 43;
export const PRODUCER_EPOCH_POS = 51;
export const BASE_SEQUENCE_POS = 53;
export const RECORD_COUNT_POS = 57;
export const BATCH_HEADER_SIZE = 61;
// baseOffset + batchLength: the part of a batch not counted by batchLength.
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;


// Attribute bits.
export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;

export const COMPRESSION_NONE = 0;
export const COMPRESSION_GZIP = 1;
export const COMPRESSION_SNAPPY = 2;
export const COMPRESSION_LZ4 = 3;
export const COMPRESSION_ZSTD = 4;

export const TIMESTAMP_CREATE_TIME = 0;
export const TIMESTAMP_LOG_APPEND_TIME = 1;

export function compressionCodec(attributes: number): number {
  return attributes & COMPRESSION_CODEC_MASK;
}

export function timestampType(attributes: number): 0 | 1 {
  return attributes & TIMESTAMP_TYPE_BIT ? TIMESTAMP_LOG_APPEND_TIME : TIMESTAMP_CREATE_TIME;
}

export function isTransactional(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_BIT) !== 0;
}

export function isControl(attributes: number): boolean {
  return (attributes & CONTROL_BIT) !== 0;
}

export interface BatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

// A batch inside a larger buffer: where it starts, and a zero-copy view of its bytes.
export interface BatchView {
  position: number;
  header: BatchHeader;
  bytes: Buffer;
}

export interface BatchError {
  errorCode: typeof ErrorCode.CORRUPT_MESSAGE | typeof ErrorCode.INVALID_RECORD;
  message: string;
}

export type SplitResult =
  | { ok: true; batches: BatchView[] }
  | ({ ok: false; position: number } & BatchError);

// int64 fields as two 32-bit reads: exact for every value up to 2^53, -1 sentinels come out as -1, and it
// avoids a BigInt allocation per field on the produce path.
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 field value ${value} is not a safe integer`);
  const hi = Math.floor(value / 4294967296);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * 4294967296, pos + 4);
}

export function readBatchHeader(buf: Buffer, pos: number): BatchHeader {
  if (pos < 0 || pos + BATCH_HEADER_SIZE > buf.length) {
    throw new RangeError(`batch header at ${pos} needs ${BATCH_HEADER_SIZE} bytes, buffer has ${buf.length}`);
  }
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET_POS),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH_POS),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_POS),
    magic: buf.readInt8(pos + MAGIC_POS),
    crc: buf.readUInt32BE(pos + CRC_POS),
    attributes: buf.readInt16BE(pos + ATTRIBUTES_POS),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_POS),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_POS),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_POS),
    producerId: readInt64(buf, pos + PRODUCER_ID_POS),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_POS),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_POS),
    recordCount: buf.readInt32BE(pos + RECORD_COUNT_POS),
  };
}

export function lastOffsetOf(h: BatchHeader): number {
  return h.baseOffset + h.lastOffsetDelta;
}

export function batchSize(h: BatchHeader): number {
  return LOG_OVERHEAD + h.batchLength;
}

// Checks the batch starting at pos and ending no later than end: complete, magic 2, a consistent record
// count, and a matching CRC. Returns the header, or why the batch is unacceptable. Kafka answers a CRC
// mismatch with CORRUPT_MESSAGE and structural problems with INVALID_RECORD.
export function checkBatch(buf: Buffer, pos: number, end = buf.length): BatchHeader | BatchError {
  const left = end - pos;
  if (left < LOG_OVERHEAD) return invalid(`${left} trailing bytes at ${pos} are too short for a batch`);
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH_POS);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) return invalid(`batch at ${pos} has batchLength ${batchLength}`);
  if (batchLength > left - LOG_OVERHEAD) {
    return invalid(`batch at ${pos} has batchLength ${batchLength} but only ${left - LOG_OVERHEAD} bytes follow`);
  }
  const h = readBatchHeader(buf, pos);
  if (h.magic !== CURRENT_MAGIC) return invalid(`batch at ${pos} has magic ${h.magic}, only magic 2 is supported`);
  // Kafka's LogValidator rule: offsets and count must agree, and a client batch is never empty.
  if (h.recordCount <= 0 || h.lastOffsetDelta !== h.recordCount - 1) {
    return invalid(`batch at ${pos} has recordCount ${h.recordCount} and lastOffsetDelta ${h.lastOffsetDelta}`);
  }
  const actual = crc32c(buf, pos + ATTRIBUTES_POS, pos + LOG_OVERHEAD + batchLength);
  if (actual !== h.crc) {
    return {
      errorCode: ErrorCode.CORRUPT_MESSAGE,
      message: `batch at ${pos} has crc ${h.crc.toString(16)}, computed ${actual.toString(16)}`,
    };
  }
  return h;
}

export function isBatchError(r: BatchHeader | BatchError): r is BatchError {
  return 'errorCode' in r;
}

function invalid(message: string): BatchError {
  return { errorCode: ErrorCode.INVALID_RECORD, message };
}

// Splits a produce payload into its batches, validating every one; any bad batch fails the whole set,
// as Kafka rejects the partition's records as a unit.
export function splitBatches(buf: Buffer): SplitResult {
  const batches: BatchView[] = [];
  if (buf.length === 0) return { ok: false, position: 0, ...invalid('no record batches') };
  let pos = 0;
  while (pos < buf.length) {
    const r = checkBatch(buf, pos);
    if (isBatchError(r)) return { ok: false, position: pos, ...r };
    const size = batchSize(r);
    batches.push({ position: pos, header: r, bytes: buf.subarray(pos, pos + size) });
    pos += size;
  }
  return { ok: true, batches };
}

export function setBaseOffset(buf: Buffer, pos: number, offset: number): void {
  writeInt64(buf, pos + BASE_OFFSET_POS, offset);
}

export function setPartitionLeaderEpoch(buf: Buffer, pos: number, epoch: number): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_POS);
}

// The largest CreateTime timestamp among the records of the uncompressed, already validated batch at
// `pos` (baseTimestamp + each record's timestampDelta; baseTimestamp for a batch without records); null
// when it cannot be read without decompressing or a record is malformed.
export function maxRecordTimestamp(buf: Buffer, pos: number): number | null {
  const h = readBatchHeader(buf, pos);
  if (compressionCodec(h.attributes) !== COMPRESSION_NONE || h.baseTimestamp < 0) return null;
  const end = pos + LOG_OVERHEAD + h.batchLength;
  const r = new Reader(buf, pos + BATCH_HEADER_SIZE, end);
  let max = h.baseTimestamp;
  try {
    for (let i = 0; i < h.recordCount; i++) {
      const length = r.varint();
      if (length < 0 || length > r.remaining) return null;
      const rec = new Reader(buf, r.offset, r.offset + length);
      r.offset += length;
      rec.int8();
      const timestamp = h.baseTimestamp + rec.varlong();
      if (i === 0 || timestamp > max) max = timestamp;
    }
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
  return max;
}

// maxTimestamp lies inside the CRC-covered range, so the CRC32C is computed again after patching it (as
// Kafka does when it rewrites the field on append).
export function setMaxTimestamp(buf: Buffer, pos: number, timestamp: number): void {
  writeInt64(buf, pos + MAX_TIMESTAMP_POS, timestamp);
  const end = pos + LOG_OVERHEAD + buf.readInt32BE(pos + BATCH_LENGTH_POS);
  buf.writeUInt32BE(crc32c(buf, pos + ATTRIBUTES_POS, end), pos + CRC_POS);
}

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface RecordInput {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeader[];
  timestamp?: number;
}

export interface BuildBatchOptions {
  baseOffset?: number;
  records: RecordInput[];
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  partitionLeaderEpoch?: number;
  transactional?: boolean;
  control?: boolean;
}

function toBytes(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

// Record v2: length varint, attributes int8 (unused, 0), timestampDelta varlong, offsetDelta varint,
// key and value as varint length (-1 null) + bytes, then a varint header count and key/value pairs.
function encodeRecord(r: RecordInput, offsetDelta: number, timestampDelta: number): Buffer {
  const w = new Writer();
  w.int8(0).varlong(timestampDelta).varint(offsetDelta);
  for (const field of [toBytes(r.key), toBytes(r.value)]) {
    if (field === null) w.varint(-1);
    else w.varint(field.length).raw(field);
  }
  const headers = r.headers ?? [];
  w.varint(headers.length);
  for (const h of headers) {
    w.varint(Buffer.byteLength(h.key)).utf8(h.key);
    if (h.value === null) w.varint(-1);
    else w.varint(h.value.length).raw(h.value);
  }
  const body = w.toBuffer();
  return new Writer().varint(body.length).raw(body).toBuffer();
}

// Encodes an uncompressed batch with CreateTime timestamps.
export function buildRecordBatch(opts: BuildBatchOptions): Buffer {
  const { records } = opts;
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const now = Date.now();
  const timestamps = records.map((r) => r.timestamp ?? now);
  const baseTimestamp = timestamps[0] as number;
  const maxTimestamp = timestamps.reduce((a, b) => Math.max(a, b));
  const encoded = records.map((r, i) => encodeRecord(r, i, (timestamps[i] as number) - baseTimestamp));
  const bodyLength = encoded.reduce((n, b) => n + b.length, 0);
  const buf = Buffer.alloc(BATCH_HEADER_SIZE + bodyLength);
  let attributes = 0;
  if (opts.transactional) attributes |= TRANSACTIONAL_BIT;
  if (opts.control) attributes |= CONTROL_BIT;
  writeInt64(buf, BASE_OFFSET_POS, opts.baseOffset ?? 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, BATCH_LENGTH_POS);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, PARTITION_LEADER_EPOCH_POS);
  buf.writeInt8(CURRENT_MAGIC, MAGIC_POS);
  buf.writeInt16BE(attributes, ATTRIBUTES_POS);
  buf.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA_POS);
  writeInt64(buf, BASE_TIMESTAMP_POS, baseTimestamp);
  writeInt64(buf, MAX_TIMESTAMP_POS, maxTimestamp);
  writeInt64(buf, PRODUCER_ID_POS, opts.producerId ?? -1);
  buf.writeInt16BE(opts.producerEpoch ?? -1, PRODUCER_EPOCH_POS);
  buf.writeInt32BE(opts.baseSequence ?? -1, BASE_SEQUENCE_POS);
  buf.writeInt32BE(records.length, RECORD_COUNT_POS);
  let pos = BATCH_HEADER_SIZE;
  for (const b of encoded) {
    b.copy(buf, pos);
    pos += b.length;
  }
  buf.writeUInt32BE(crc32c(buf, ATTRIBUTES_POS), CRC_POS);
  return buf;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

// Decodes the records of one uncompressed batch (bytes starting at its baseOffset field). Keys, values
// and header values are views into the batch. Throws DecodeError for compressed or malformed batches.
export function decodeRecords(batch: Buffer): DecodedRecord[] {
  const h = readBatchHeader(batch, 0);
  const codec = compressionCodec(h.attributes);
  if (codec !== COMPRESSION_NONE) throw new DecodeError(`batch is compressed (codec ${codec})`);
  const end = LOG_OVERHEAD + h.batchLength;
  if (end > batch.length) throw new DecodeError(`batch of ${end} bytes is cut at ${batch.length}`);
  if (h.recordCount < 0 || h.recordCount > end - BATCH_HEADER_SIZE) {
    throw new DecodeError(`record count ${h.recordCount} exceeds the batch`);
  }
  const out: DecodedRecord[] = [];
  const r = new Reader(batch, BATCH_HEADER_SIZE, end);
  for (let i = 0; i < h.recordCount; i++) {
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw new DecodeError(`record length ${length} exceeds the batch`);
    const rec = new Reader(batch, r.offset, r.offset + length);
    r.offset += length;
    rec.int8();
    const timestampDelta = rec.varlong();
    const offsetDelta = rec.varint();
    const key = nullableBytes(rec);
    const value = nullableBytes(rec);
    const headerCount = rec.varint();
    if (headerCount < 0 || headerCount > rec.remaining) throw new DecodeError(`header count ${headerCount} exceeds the record`);
    const headers: RecordHeader[] = [];
    for (let j = 0; j < headerCount; j++) {
      const keyLength = rec.varint();
      if (keyLength < 0) throw new DecodeError('null header key');
      headers.push({ key: rec.utf8(keyLength), value: nullableBytes(rec) });
    }
    const timestamp = timestampType(h.attributes) === TIMESTAMP_LOG_APPEND_TIME ? h.maxTimestamp : h.baseTimestamp + timestampDelta;
    out.push({ offset: h.baseOffset + offsetDelta, timestamp, key, value, headers });
  }
  return out;
}

function nullableBytes(r: Reader): Buffer | null {
  const n = r.varint();
  if (n < -1) throw new DecodeError(`negative length ${n}`);
  return n === -1 ? null : r.raw(n);
}
