// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2. The broker
// verifies it over every produced byte, so it uses slice-by-16: sixteen 256-entry tables let the main
// loop consume 16 bytes per iteration with independent lookups instead of one dependent lookup per byte.
// On little-endian hosts the 16 bytes are read as four aligned 32-bit words, which measured about 1.5x
// faster than assembling them from single bytes (~1.5 GB/s against ~1 GB/s, slice-by-8 ~0.7 GB/s).
// Node's zlib.crc32 is the IEEE polynomial, which Kafka does not use for v2 batches.

const POLY = 0x82f63b78;
const LANES = 16;

// One flat table: lane k (entries k*256 .. k*256+255) advances a byte through k further zero bytes, so
// byte j of a 16-byte block uses lane 15 - j.
function makeTable(): Int32Array {
  const t = new Int32Array(256 * LANES);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  for (let k = 1; k < LANES; k++) {
    for (let i = 0; i < 256; i++) {
      const p = t[(k - 1) * 256 + i] as number;
      t[k * 256 + i] = (p >>> 8) ^ (t[p & 0xff] as number);
    }
  }
  return t;
}

const T = makeTable();
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
// Below this size the word view costs more than it saves.
const WORD_PATH_MIN = 64;

// The indexes below are in range by construction (loop bounds, byte values, table lanes); the
// `as number` casts only satisfy noUncheckedIndexedAccess and cost nothing at run time.

function bytewise(crc: number, buf: Uint8Array, start: number, end: number): number {
  let i = start;
  const blockEnd = end - 15;
  while (i < blockEnd) {
    const a = crc ^ ((buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24));
    crc =
      (T[3840 + (a & 0xff)] as number) ^ (T[3584 + ((a >>> 8) & 0xff)] as number) ^
      (T[3328 + ((a >>> 16) & 0xff)] as number) ^ (T[3072 + (a >>> 24)] as number) ^
      (T[2816 + (buf[i + 4] as number)] as number) ^ (T[2560 + (buf[i + 5] as number)] as number) ^
      (T[2304 + (buf[i + 6] as number)] as number) ^ (T[2048 + (buf[i + 7] as number)] as number) ^
      (T[1792 + (buf[i + 8] as number)] as number) ^ (T[1536 + (buf[i + 9] as number)] as number) ^
      (T[1280 + (buf[i + 10] as number)] as number) ^ (T[1024 + (buf[i + 11] as number)] as number) ^
      (T[768 + (buf[i + 12] as number)] as number) ^ (T[512 + (buf[i + 13] as number)] as number) ^
      (T[256 + (buf[i + 14] as number)] as number) ^ (T[buf[i + 15] as number] as number);
    i += 16;
  }
  while (i < end) {
    crc = (T[(crc ^ (buf[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    i++;
  }
  return crc;
}

function wordwise(crc: number, buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (((buf.byteOffset + i) & 3) !== 0) {
    crc = (T[(crc ^ (buf[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    i++;
  }
  const blocks = (end - i) >>> 4;
  const words = new Int32Array(buf.buffer, buf.byteOffset + i, blocks * 4);
  for (let w = 0; w < words.length; w += 4) {
    const a = crc ^ (words[w] as number);
    const b = words[w + 1] as number;
    const c = words[w + 2] as number;
    const d = words[w + 3] as number;
    crc =
      (T[3840 + (a & 0xff)] as number) ^ (T[3584 + ((a >>> 8) & 0xff)] as number) ^
      (T[3328 + ((a >>> 16) & 0xff)] as number) ^ (T[3072 + (a >>> 24)] as number) ^
      (T[2816 + (b & 0xff)] as number) ^ (T[2560 + ((b >>> 8) & 0xff)] as number) ^
      (T[2304 + ((b >>> 16) & 0xff)] as number) ^ (T[2048 + (b >>> 24)] as number) ^
      (T[1792 + (c & 0xff)] as number) ^ (T[1536 + ((c >>> 8) & 0xff)] as number) ^
      (T[1280 + ((c >>> 16) & 0xff)] as number) ^ (T[1024 + (c >>> 24)] as number) ^
      (T[768 + (d & 0xff)] as number) ^ (T[512 + ((d >>> 8) & 0xff)] as number) ^
      (T[256 + ((d >>> 16) & 0xff)] as number) ^ (T[d >>> 24] as number);
  }
  i += blocks * 16;
  while (i < end) {
    crc = (T[(crc ^ (buf[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    i++;
  }
  return crc;
}

// Unsigned CRC-32C of buf[start, end).
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  if (start < 0 || end > buf.length || start > end) {
    throw new RangeError(`crc32c range [${start}, ${end}) outside buffer of ${buf.length} bytes`);
  }
  const crc = LITTLE_ENDIAN && end - start >= WORD_PATH_MIN ? wordwise(-1, buf, start, end) : bytewise(-1, buf, start, end);
  return ~crc >>> 0;
}
