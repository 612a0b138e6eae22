// Input records on their way from the Kafka thread to the processing thread (runner-thread.ts): a batch
// is copied into one buffer whose memory is transferred, not cloned, so handing over a record costs a
// copy of its bytes and nothing per object. Only what PartitionProcessor.process reads crosses: position,
// timestamp, key, value and the simulator's ground-truth headers (the only headers the processor looks
// at): its label and, on a labelled record only, its incident.
//
// Layout per record, little endian: partition u32 | offset i64 | timestamp f64 | key | value | label |
// incident, where each of key, value, label and incident is a length i32 (-1 = absent) followed by that
// many bytes.
import { SIM_INCIDENT_HEADER, SIM_LABEL_HEADER } from '../bank/transaction.ts';
import { headerBytes, labelHeader, SIM_INCIDENT_BYTES, type InputRecord } from './partition-processor.ts';

const FIXED_BYTES = 4 + 8 + 8 + 4 * 4;

export function packRecords(records: readonly InputRecord[]): ArrayBuffer {
  const labels: Array<Buffer | null> = [];
  const incidents: Array<Buffer | null> = [];
  let size = 0;
  for (const r of records) {
    const label = asBytes(labelHeader(r.headers));
    const incident = label === null ? null : asBytes(headerBytes(r.headers, SIM_INCIDENT_HEADER, SIM_INCIDENT_BYTES));
    labels.push(label);
    incidents.push(incident);
    size += FIXED_BYTES + (r.key?.length ?? 0) + (r.value?.length ?? 0) + (label?.length ?? 0) + (incident?.length ?? 0);
  }
  // Not from the shared pool: the buffer's whole memory is handed over.
  const out = Buffer.allocUnsafeSlow(size);
  let at = 0;
  const bytes = (b: Buffer | null | undefined) => {
    if (b === null || b === undefined) {
      out.writeInt32LE(-1, at);
      at += 4;
      return;
    }
    out.writeInt32LE(b.length, at);
    at += 4;
    at += b.copy(out, at);
  };
  records.forEach((r, i) => {
    out.writeUInt32LE(r.partition, at);
    out.writeBigInt64LE(BigInt(r.offset), at + 4);
    out.writeDoubleLE(Number(r.timestamp), at + 12);
    at += 20;
    bytes(r.key);
    bytes(r.value);
    bytes(labels[i]);
    bytes(incidents[i]);
  });
  return out.buffer;
}

// Keys and values are views of the batch's memory, as they are of the fetch response on the Kafka side.
export function unpackRecords(batch: ArrayBuffer): InputRecord[] {
  const buf = Buffer.from(batch);
  const out: InputRecord[] = [];
  let at = 0;
  const bytes = (): Buffer | null => {
    const length = buf.readInt32LE(at);
    at += 4;
    if (length < 0) return null;
    const b = buf.subarray(at, at + length);
    at += length;
    return b;
  };
  while (at < buf.length) {
    const partition = buf.readUInt32LE(at);
    const offset = buf.readBigInt64LE(at + 4);
    const timestamp = buf.readDoubleLE(at + 12);
    at += 20;
    const key = bytes();
    const value = bytes();
    const label = bytes();
    const incident = bytes();
    const headers: Array<[string, Buffer]> | undefined = label === null ? undefined : [[SIM_LABEL_HEADER, label]];
    if (headers !== undefined && incident !== null) headers.push([SIM_INCIDENT_HEADER, incident]);
    out.push({ partition, offset, timestamp, key, value, headers });
  }
  return out;
}

function asBytes(v: Buffer | string | null): Buffer | null {
  return typeof v === 'string' ? Buffer.from(v) : v;
}
