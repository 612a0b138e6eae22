// Writers and parsers of the topic record formats (src/formats), on realistic values: the bank_metrics
// windows and the alerts a PartitionProcessor makes from seeded simulator records of the benchmarks' bank
// (bench/population.ts; one partition, default settings, so windows of several records each). No Kafka.
//
// Each format's writer is measured beside JSON.stringify of the same values (for windows that writes the
// zeros too, about two and a half times the bytes) in the same run, rounds alternating so that both see
// the same machine; the figure is the best round's. When the writers were made generic, the window writer
// written out by hand that they replaced measured 595 ns per window here, against 560 for the generic one.
// With a population sized for the default rate a window holds several records, so the window writer runs
// once per several records rather than once per record; measured again then (7,930 windows of 60,000
// records), it still took 0.30 x the time of JSON.stringify and wrote 0.39 x the bytes, so it stays.
//
// Standalone: `node bench/record-formats.ts [records=60000]`; benchRecordFormats() is what bench/run.ts calls.
import { alertJson, parseAlert, type Alert } from '../src/formats/alert.ts';
import { parseWindows, WindowArray, type WindowAggregate } from '../src/formats/metrics-window.ts';
import { DEFAULT_CONFIG } from '../src/processor/config.ts';
import { PartitionProcessor } from '../src/processor/partition-processor.ts';
import { bankInput } from '../test/helpers/bank-input.ts';
import { BENCH_ACCOUNTS } from './population.ts';

export interface FormatRow {
  name: string;
  nsPerValue: number;
  bytesPerValue: number;
  baseline: string; // what `ratio` compares with
  ratio: number; // this row's time ÷ the baseline's
}

export interface RecordFormatsBench {
  windows: number;
  alerts: number;
  rows: FormatRow[];
}

// Windows per bank_metrics value, about what the runner puts in one send at full speed.
export const WINDOWS_PER_VALUE = 64;

// Timed rounds, after one that warms the code up.
export const ROUNDS = 11;

function realisticOutputs(records: number): { windows: WindowAggregate[]; alerts: Alert[] } {
  const processor = new PartitionProcessor(0, DEFAULT_CONFIG);
  const windows: WindowAggregate[] = [];
  const alerts: Alert[] = [];
  bankInput({ seed: 'record-formats', total: records, malformed: Math.floor(records / 250), accounts: BENCH_ACCOUNTS }).forEach((m, offset) => {
    const r = processor.process({ partition: 0, offset, timestamp: 0, key: m.key, value: m.value, headers: m.headers });
    windows.push(...r.metrics);
    alerts.push(...r.alerts);
  });
  windows.push(...processor.flush());
  return { windows, alerts };
}

interface Job {
  name: string;
  values: number;
  run: () => number; // bytes handled
}

function writeWindows(windows: readonly WindowAggregate[]): Buffer[] {
  const array = new WindowArray();
  const out: Buffer[] = [];
  for (const w of windows) {
    array.add(w);
    if (array.count === WINDOWS_PER_VALUE) out.push(array.take());
  }
  if (array.count > 0) out.push(array.take());
  return out;
}

const total = (buffers: readonly Buffer[]) => buffers.reduce((n, b) => n + b.length, 0);

// Alerts are few (about 2% of records), so each round goes over them several times: about as many values
// per round as windows, or the round would end before the compiler has optimised the code.
function repeated<T>(values: readonly T[], times: number): T[] {
  return Array.from({ length: times }, () => values).flat();
}

export function benchRecordFormats(records = 60_000): RecordFormatsBench {
  const { windows, alerts } = realisticOutputs(records);
  const metricsValues = writeWindows(windows);
  const manyAlerts = repeated(alerts, Math.max(1, Math.round(windows.length / Math.max(alerts.length, 1))));
  const alertValues = manyAlerts.map(alertJson);
  const jobs: Job[] = [
    { name: 'bank_metrics window, writer', values: windows.length, run: () => total(writeWindows(windows)) },
    {
      name: 'bank_metrics window, JSON.stringify',
      values: windows.length,
      run: () => {
        let bytes = 0;
        for (let i = 0; i < windows.length; i += WINDOWS_PER_VALUE) bytes += Buffer.from(JSON.stringify(windows.slice(i, i + WINDOWS_PER_VALUE))).length;
        return bytes;
      },
    },
    { name: 'bank_metrics window, parser', values: windows.length, run: () => metricsValues.reduce((n, v) => n + (parseWindows(v) === null ? 0 : v.length), 0) },
    { name: 'bank_metrics window, JSON.parse', values: windows.length, run: () => metricsValues.reduce((n, v) => n + (JSON.parse(v.toString('utf8')) === null ? 0 : v.length), 0) },
    { name: 'bank_alerts_high alert, writer', values: manyAlerts.length, run: () => total(manyAlerts.map(alertJson)) },
    { name: 'bank_alerts_high alert, JSON.stringify', values: manyAlerts.length, run: () => total(manyAlerts.map((a) => Buffer.from(JSON.stringify(a)))) },
    { name: 'bank_alerts_high alert, parser', values: manyAlerts.length, run: () => alertValues.reduce((n, v) => n + (parseAlert(v) === null ? 0 : v.length), 0) },
    { name: 'bank_alerts_high alert, JSON.parse', values: manyAlerts.length, run: () => alertValues.reduce((n, v) => n + (JSON.parse(v.toString('utf8')) === null ? 0 : v.length), 0) },
  ];
  const best = jobs.map(() => ({ ns: Number.POSITIVE_INFINITY, bytes: 0 }));
  // The first round warms the code up and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    jobs.forEach((job, i) => {
      const started = process.hrtime.bigint();
      const bytes = job.run();
      const ns = Number(process.hrtime.bigint() - started) / job.values;
      if (round > 0 && ns < (best[i] as { ns: number }).ns) best[i] = { ns, bytes: bytes / job.values };
    });
  }
  // Jobs come in pairs: the format's code, then what it is compared with.
  const rows = jobs.map((job, i): FormatRow => {
    const base = i - (i % 2) + 1;
    const r = best[i] as { ns: number; bytes: number };
    return { name: job.name, nsPerValue: r.ns, bytesPerValue: r.bytes, baseline: (jobs[base] as Job).name, ratio: r.ns / (best[base] as { ns: number }).ns };
  });
  return { windows: windows.length, alerts: alerts.length, rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchRecordFormats(Number(process.argv[2] ?? 60_000));
  console.log(`${r.windows.toLocaleString('en-US')} windows, ${r.alerts.toLocaleString('en-US')} alerts`);
  for (const row of r.rows) console.log(`${row.name}: ${row.nsPerValue.toFixed(0)} ns/value, ${row.bytesPerValue.toFixed(0)} B/value, ${row.ratio.toFixed(2)} × ${row.baseline}`);
}
