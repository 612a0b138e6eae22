// The detection facts record of bank_metrics: what one source partition's processor learned from the
// simulator's ground truth (`sim-label`, `sim-incident`) at one record, for scoring detection per incident
// and per case (src/processor/incident-score.ts). A JSON object, where the windows record is a JSON array,
// so one look at the first byte tells a reader which of the two a bank_metrics value is.
//
// Why facts and not figures: an incident's records (victim and mule side) are in several partitions, so
// no processor can tell alone whether, or when, an incident was detected. Each record's facts merge with
// every other partition's by min, max, or, or by their (partition, offset) key, so a reader (the
// dashboard) gets the same figures whatever the order, and a record replayed after a restart (the same
// facts again, under the same offset) adds nothing.
//
// A record is written for every labelled fraud record and every case publication, and otherwise at most
// once per 15 minutes of the partition's event time and when it goes idle (`incident` left out, `cases`
// empty): the partition's summary (first and newest event time, accounts after the warm-up) then moves on.
import { array, boolean, count, finite, literal, nullable, number, object, omitEmpty, parseValue, string, writeValue, type Infer } from './schema.ts';

export const DETECTION_KIND = 'detection';

export const detectionFormat = object({
  kind: literal(DETECTION_KIND),
  partition: number({ min: 0, integer: true }), // source partition
  offset: string({ max: 20, numbers: true }), // source offset of the record; decimal int64
  // The partition's summary as of this record:
  firstMs: finite, // event time of its first labelled record: where its warm-up starts
  lastMs: finite, // its newest event time
  warmupMs: count, // event time after firstMs that is not scored
  accounts: count, // distinct accounts with a record at or after firstMs + warmupMs
  // The record:
  atMs: finite, // its event time
  warm: boolean, // atMs >= firstMs + warmupMs
  incident: omitEmpty(
    nullable(
      object({
        id: string({ max: 1000 }), // `inc:<sim-incident>`, or `run:...` for a v1 label run
        scenario: string({ max: 100 }), // its sim-label
        outflowCents: count, // an approved withdrawal's amount, else 0
      }),
    ),
  ),
  // Case publications the record caused (suppressed re-sends after a restore included).
  cases: omitEmpty(
    array(
      object({
        id: string({ max: 300 }),
        version: number({ min: 1, integer: true }),
        score: number({ min: 0 }),
        fraud: boolean, // one of its alerts is on a labelled fraud record
        hits: omitEmpty(array(string({ max: 1000 }), { distinct: true })), // the incidents of those records
      }),
    ),
  ),
});

export type DetectionFacts = Infer<typeof detectionFormat>;

export function parseDetection(value: Buffer | null | undefined): DetectionFacts | null {
  return parseValue(detectionFormat, value);
}

export function detectionJson(f: DetectionFacts): Buffer {
  return writeValue(detectionFormat, f);
}

// Whether a bank_metrics value is a facts record (an object) rather than windows (an array).
export function isDetectionValue(value: Buffer | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  for (const b of value) {
    if (b === 0x7b) return true; // {
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  }
  return false;
}
