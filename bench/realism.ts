// `npm run bench:realism`: how believable the simulated bank is (issue 15). Generates a seeded stream at
// the producer's default fraud level, measures fraud's share of outflow value, victims per customer-year,
// incidents, the burstiness of normal card spending and the filter-purity table, and trains the standing
// model baseline (a random forest and a depth-2 tree on per-transaction features from each account's
// past, first half of the simulated period against the second). Prints a Markdown report; `--write` also
// writes docs/realism.md.
//
// Flags: --events N (500,000), --seed S ('realism'), --accounts N and --fraud-rate R (the producer's
// defaults), --write. runRealism() and renderTargets() are what bench/run.ts calls.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Simulator } from '../src/bank/simulator.ts';
import type { SimulatorOptions } from '../src/bank/simulator.ts';
import { DEFAULTS } from '../src/producer/config.ts';
import { MAX_FRAUD_RATE } from '../src/bank/scenarios/fraud.ts';
import { EventTable, INFERRED_INCIDENT_GAP_MS } from '../src/analysis/event-table.ts';
import { filterPurity, GIVEAWAY_COVERAGE, GIVEAWAY_PURITY } from '../src/analysis/filter-purity.ts';
import type { FilterPurity } from '../src/analysis/filter-purity.ts';
import { BURST_WINDOW_MS, streamStats } from '../src/analysis/stream-stats.ts';
import type { StreamStats } from '../src/analysis/stream-stats.ts';
import { BASELINE_DEFAULTS, standingBaseline } from '../src/analysis/baseline.ts';
import type { StandingBaseline } from '../src/analysis/baseline.ts';
import type { OperatingPoint } from '../src/analysis/metrics.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REALISM_DOC_PATH = path.join(ROOT, 'docs/realism.md');
const START_MS = Date.UTC(2025, 0, 6); // a Monday
const PRECISIONS = [0.5, 0.8, 0.9] as const;
const FILTER_ROWS = 15;
const SCENARIO_PRECISION = 0.8;
const IMPORTANT_FEATURES = 10;
// The model baseline needs incidents to learn from and to be tested on. At a realistic fraud level a
// 500,000-event stream holds only a handful (simulator v2's default: about 5), so when the stream has fewer
// than MIN_BASELINE_INCIDENTS the baseline runs on a second stream of the same seed at the fraud level that
// gives about BASELINE_INCIDENTS per stream of the report's size and population: as many as simulator v1 had
// at its default level (96 in 500,000 events, fraud 0.2% of records), the stream issue 15's model targets
// were set against. That level follows from the report's own population and simulated span (incidents per
// 1,000 customers a year), not from its handful of incidents, so it does not jump with their count. The
// second stream is BASELINE_SCALE times the report's, in accounts and in events (the same span, the same
// density of fraud): with about 100 incidents, 50 on each side of the split, the forest's AP moved by 0.05
// and its AUC by 0.01 from one seed to the next; with 3 times as many, each estimate is steadier and the
// forest has three times the fraud to learn from. Average precision depends on how rare fraud is, so the
// report says which level the baseline was measured at.
export const MIN_BASELINE_INCIDENTS = 50;
export const BASELINE_INCIDENTS = 100;
export const BASELINE_SCALE = 3;

export interface RealismOptions {
  events: number;
  seed: string;
  accounts: number;
  fraudRate: NonNullable<SimulatorOptions['fraudRate']>; // in the simulator's own terms (the producer's --fraud-rate)
}

// The producer's default fraud level, so the report follows the simulator's default when it changes. The
// population is small on purpose: 500,000 events of 1,000 accounts span about half a simulated year, which
// yearly incidence and a first-half/second-half model split need; the producer's default population (sized
// by --rate) would cover only days.
export const REALISM_DEFAULTS: RealismOptions = { events: 500_000, seed: 'realism', accounts: 1000, fraudRate: DEFAULTS.fraudRate };

export interface BaselineStream {
  fraudRate: RealismOptions['fraudRate'];
  scaled: boolean; // false: the report's own stream
  accounts: number;
  events: number;
  stats: StreamStats;
  filters: FilterPurity;
}

export interface RealismResult {
  options: RealismOptions;
  stats: StreamStats;
  filters: FilterPurity;
  baselineStream: BaselineStream;
  baseline: StandingBaseline | undefined;
  baselineError: string | undefined; // why the baseline could not be measured
  operatingPoints: OperatingPoint[];
  seconds: { generate: number; stats: number; total: number; cpu: number }; // cpu: user + system time of the process
}

export interface Target {
  what: string;
  value: string;
  target: string;
  met: boolean;
}

export function runRealism(options: RealismOptions): RealismResult {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const seconds = { generate: 0, stats: 0 };
  const timed = <T>(what: keyof typeof seconds, f: () => T): T => {
    const t = performance.now();
    const value = f();
    seconds[what] += (performance.now() - t) / 1000;
    return value;
  };
  const generate = (fraudRate: RealismOptions['fraudRate'], scale: number) => {
    const accounts = options.accounts * scale;
    const count = options.events * scale;
    const table = timed('generate', () => {
      const simulator = new Simulator({ seed: options.seed, accounts, fraudRate, startMs: START_MS });
      const events = new EventTable();
      for (let i = 0; i < count; i++) events.push(simulator.nextEvent());
      return events;
    });
    return { table, stats: timed('stats', () => streamStats(table)), fraudRate, accounts, events: count };
  };
  const main = generate(options.fraudRate, 1);
  const stream = typeof options.fraudRate === 'number' && main.stats.incidents < MIN_BASELINE_INCIDENTS ? generate(baselineFraudRate(main.stats), BASELINE_SCALE) : main;
  const filters = timed('stats', () => filterPurity(main.table));
  let baseline: StandingBaseline | undefined;
  let baselineError: string | undefined;
  try {
    baseline = standingBaseline(stream.table);
  } catch (error) {
    baselineError = (error as Error).message;
  }
  return {
    options,
    stats: main.stats,
    filters,
    baselineStream: { fraudRate: stream.fraudRate, scaled: stream !== main, accounts: stream.accounts, events: stream.events, stats: stream.stats, filters: stream === main ? filters : timed('stats', () => filterPurity(stream.table)) },
    baseline,
    baselineError,
    operatingPoints: baseline ? PRECISIONS.map((p) => baseline.incidentRecallAtPrecision(p)) : [],
    seconds: { ...seconds, total: (performance.now() - started) / 1000, cpu: cpuSeconds(process.cpuUsage(cpuBefore)) },
  };
}

// The fraud level (incidents per 1,000 customers a year) expected to start BASELINE_INCIDENTS incidents in a
// stream with this one's customers and simulated span.
export function baselineFraudRate(stats: Pick<StreamStats, 'customers' | 'spanDays'>): number {
  const customerYears = (stats.customers / 1000) * (stats.spanDays / 365);
  return customerYears > 0 ? Math.min(MAX_FRAUD_RATE, Number((BASELINE_INCIDENTS / customerYears).toPrecision(3))) : MAX_FRAUD_RATE;
}

const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
const pct = (x: number, digits = 2) => (Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–');
const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');

export function targets(r: RealismResult): Target[] {
  const { stats, filters, baseline, baselineStream } = r;
  // Judged at the default level, as issue 15 states it; at the baseline's higher level purity rises with
  // the fraud share, so that count is shown for information.
  const giveaways = String(filters.giveaways.length) + (baselineStream.scaled ? ` (${baselineStream.filters.giveaways.length} at the baseline's level)` : '');
  const auc = baseline?.forest.auc ?? Number.NaN;
  const ap = baseline?.forest.ap ?? Number.NaN;
  const treeAp = baseline?.depth2.ap ?? Number.NaN;
  return [
    { what: 'fraud share of outflow value', value: pct(stats.fraudValueShare, 3), target: '0.05–0.2%', met: stats.fraudValueShare >= 0.0005 && stats.fraudValueShare <= 0.002 },
    { what: 'victims per customer-year', value: pct(stats.victimsPerCustomerYear, 1), target: '≤ 5%', met: stats.victimsPerCustomerYear <= 0.05 },
    { what: `normal card purchases within ${BURST_WINDOW_MS / 1000} s of the previous`, value: pct(stats.burstiness), target: '2–5%', met: stats.burstiness >= 0.02 && stats.burstiness <= 0.05 },
    { what: `giveaway filters (coverage > ${pct(GIVEAWAY_COVERAGE, 0)}, purity > ${pct(GIVEAWAY_PURITY, 0)})`, value: giveaways, target: '0', met: filters.giveaways.length === 0 },
    { what: 'random forest ROC AUC', value: f3(auc), target: '0.85–0.93', met: auc >= 0.85 && auc <= 0.93 },
    { what: 'random forest average precision', value: f3(ap), target: '0.3–0.7', met: ap >= 0.3 && ap <= 0.7 },
    { what: 'depth-2 tree average precision', value: f3(treeAp), target: '≤ 0.3', met: treeAp <= 0.3 },
  ];
}

export function renderTargets(r: RealismResult): string[] {
  const lines = ['| measure | value | target | |', '|---|---:|---|---|'];
  for (const t of targets(r)) lines.push(`| ${t.what} | ${t.value} | ${t.target} | ${t.met ? 'met' : '**not met**'} |`);
  return lines;
}

type Line = (...s: string[]) => void;

function renderFilters(filters: FilterPurity, line: Line): void {
  const u = filters.union;
  line(filters.giveaways.length === 0
    ? '**No giveaway filter.**'
    : `**${filters.giveaways.length} giveaway filter${filters.giveaways.length === 1 ? '' : 's'}.** Together they match ${n0(u.matched)} records at ${pct(u.precision, 1)} precision, ${pct(u.coverage, 1)} of fraud records and ${pct(u.incidentCoverage, 1)} of incidents.`);
  line();
  const others = filters.rows.filter((row) => !row.giveaway && row.coverage > GIVEAWAY_COVERAGE).slice(0, FILTER_ROWS);
  line(`Every giveaway, then the ${FILTER_ROWS} purest other filters covering more than ${pct(GIVEAWAY_COVERAGE, 0)} of the ${n0(filters.fraudRecords)} fraud records:`);
  line();
  line('| filter | matched | fraud | coverage | purity | incidents | |');
  line('|---|---:|---:|---:|---:|---:|---|');
  for (const row of [...filters.giveaways, ...others]) {
    line(`| ${row.filter} | ${n0(row.matched)} | ${n0(row.fraud)} | ${pct(row.coverage, 1)} | ${pct(row.purity, 1)} | ${n0(row.incidents)} | ${row.giveaway ? '**giveaway**' : ''} |`);
  }
}

function renderBaseline(r: RealismResult, line: Line): void {
  const { baseline, baselineStream: stream } = r;
  if (stream.scaled) {
    line(`The report's stream holds ${n0(r.stats.incidents)} incidents, too few to train and test a model on (fewer than ${MIN_BASELINE_INCIDENTS}), so the baseline runs on a second stream of the same seed, ` +
      `${BASELINE_SCALE} times the size (${n0(stream.accounts)} accounts, ${n0(stream.events)} events, the same simulated span), at \`--fraud-rate ${stream.fraudRate}\` ` +
      `(the level at which the report's own population would see about ${BASELINE_INCIDENTS} incidents over its span, simulator v1's density at its default): ${n0(stream.stats.incidents)} incidents, ` +
      `${n0(stream.stats.fraudRecords)} fraud records (${pct(stream.stats.fraudRecords / Math.max(1, stream.stats.records), 3)} of records), ${pct(stream.stats.fraudValueShare, 3)} of outflow value. ` +
      'Average precision depends on how rare fraud is; ROC AUC does not.');
    line();
  }
  if (!baseline) {
    line(`**Not measured**: ${r.baselineError ?? 'no result'}.`);
    return;
  }
  const t = baseline.train;
  line(`Features from each record and its account's past only (src/analysis/features.ts, ${baseline.features.width} columns). ` +
    `Training: records before ${new Date(baseline.splitMs).toISOString().slice(0, 16).replace('T', ' ')} UTC (the middle of the period): all ${n0(t.fraud)} fraud records and ` +
    `${n0(t.normalsSampled)} of the ${n0(t.normals)} normal ones (a seeded uniform sample; it changes the scores' scale, not their order). ` +
    `Test: the ${n0(baseline.testRows.length)} records after it, ${n0(baseline.testFraud.reduce((a, b) => a + b, 0))} of them fraud. ` +
    `Random forest: ${BASELINE_DEFAULTS.trees} CART trees (Gini), bootstrap samples, √${baseline.features.width} features tried per split, depth ≤ ${BASELINE_DEFAULTS.maxDepth}, ≥ ${BASELINE_DEFAULTS.minLeaf} rows per leaf. ` +
    `Features ${baseline.seconds.features.toFixed(1)} s, training ${baseline.seconds.train.toFixed(1)} s, scoring ${baseline.seconds.score.toFixed(1)} s (wall-clock).`);
  line();
  line('| model | ROC AUC | average precision |');
  line('|---|---:|---:|');
  line(`| random forest | ${f3(baseline.forest.auc)} | ${f3(baseline.forest.ap)} |`);
  line(`| depth-2 tree | ${f3(baseline.depth2.auc)} | ${f3(baseline.depth2.ap)} |`);
  line();
  line('The depth-2 tree:');
  line();
  line('```');
  line(...baseline.depth2.splits);
  line('```');
  line();
  line('Incident recall of the forest at a record precision (the threshold that catches the most incidents at that precision; what detection v2 is compared with):');
  line();
  line('| precision at least | threshold | records flagged | precision | fraud records caught | incidents caught |');
  line('|---:|---:|---:|---:|---:|---:|');
  r.operatingPoints.forEach((p, i) => {
    line(`| ${pct(PRECISIONS[i] ?? 0, 0)} | ${f3(p.threshold)} | ${n0(p.flagged)} | ${pct(p.precision, 1)} | ${pct(p.recall, 1)} | ${pct(p.incidentRecall, 1)} of ${n0(p.incidents)} |`);
  });
  line();
  const byScenario = baseline.incidentRecallByScenario(SCENARIO_PRECISION);
  line(`Incidents caught per scenario at ${pct(SCENARIO_PRECISION, 0)} precision, and the features the forest leans on most (Gini importance):`);
  line();
  line('| scenario | incidents in the test half | caught |');
  line('|---|---:|---:|');
  for (const [label, sr] of Object.entries(byScenario).sort((a, b) => b[1].incidents - a[1].incidents)) line(`| ${label} | ${n0(sr.incidents)} | ${pct(sr.caught / sr.incidents, 0)} |`);
  line();
  line('| feature | importance |');
  line('|---|---:|');
  for (const { feature, share } of baseline.forest.importance.slice(0, IMPORTANT_FEATURES)) line(`| ${feature} | ${pct(share, 1)} |`);
}

export function renderRealism(r: RealismResult): string[] {
  const { stats, filters, options, baselineStream } = r;
  const out: string[] = [];
  const line: Line = (...s) => out.push(...(s.length === 0 ? [''] : s));
  line('# Realism of the simulated bank');
  line();
  line(`Generated by \`npm run bench:realism -- --write\` (bench/realism.ts, src/analysis/): ${n0(options.events)} events, seed \`${options.seed}\`, ` +
    `${n0(options.accounts)} accounts, \`--fraud-rate ${options.fraudRate}\` (the producer's default), simulated start ${new Date(START_MS).toISOString().slice(0, 10)}. ` +
    `Targets are issue 15's. Run in ${r.seconds.total.toFixed(1)} s wall-clock, ${r.seconds.cpu.toFixed(1)} s of CPU on a shared machine ` +
    `(wall-clock: generation ${r.seconds.generate.toFixed(1)} s, statistics ${r.seconds.stats.toFixed(1)} s, the rest the model baseline).`);
  line();
  line(...renderTargets(r));
  line();
  line('## The stream');
  line();
  line(`${n0(stats.records)} records over ${stats.spanDays.toFixed(0)} simulated days; ${n0(stats.customers)} customers with ${n0(stats.accounts)} accounts; ` +
    `${n0(stats.fraudRecords)} fraud records (${pct(stats.fraudRecords / Math.max(1, stats.records), 3)}) in ${n0(stats.incidents)} incidents; ` +
    `${n0(stats.declined)} declined (${n0(stats.declinedFraud)} of them fraud).`);
  line();
  line(`- Outflow (approved withdrawals): $${n0(stats.outflow)}, of which fraud $${n0(stats.fraudOutflow)} = ${pct(stats.fraudValueShare, 3)}.`);
  line(`- Victims: ${n0(stats.victims)} customers (with an account whose first fraud-labelled money movement is money going out; a mule receives the money first, ` +
    `and mule and structuring scenarios have no victims) = ${pct(stats.victims / Math.max(1, stats.customers), 1)} of customers in ${stats.spanDays.toFixed(0)} days, ` +
    `${pct(stats.victimsPerCustomerYear, 1)} per customer-year.`);
  line(`- Burstiness: ${n0(stats.burstyCardPurchases)} of ${n0(stats.cardPurchases)} normal card purchases (withdrawals on the card channel or paid to a merchant) ` +
    `came within ${BURST_WINDOW_MS / 1000} s of the account's previous card purchase = ${pct(stats.burstiness)}.`);
  line(stats.incidentsFromHeader
    ? '- Incidents: from the `sim-incident` header.'
    : `- Incidents: the stream has no \`sim-incident\` header (simulator v1), so they are inferred: a customer's records of one scenario, until ${INFERRED_INCIDENT_GAP_MS / 3_600_000} h pass without one.`);
  line();
  line('| scenario | incidents | fraud records |');
  line('|---|---:|---:|');
  for (const [label, records] of Object.entries(stats.fraudRecordsByLabel).sort((a, b) => b[1] - a[1])) line(`| ${label} | ${n0(stats.incidentsByLabel[label] ?? 0)} | ${n0(records)} |`);
  line();
  line('## Filter purity');
  line();
  line(`One-line filters (amount band by type and by type and channel, 4-hour band alone and by type and channel, channel, type and channel, balance left at exactly 0, ` +
    `declined and decline reason, merchant category): coverage = share of the fraud records matched, purity = share of fraud among the records matched. ` +
    `A giveaway covers more than ${pct(GIVEAWAY_COVERAGE, 0)} at more than ${pct(GIVEAWAY_PURITY, 0)} purity.`);
  line();
  renderFilters(filters, line);
  if (baselineStream.scaled) {
    line();
    line(`At the baseline's fraud level (\`--fraud-rate ${baselineStream.fraudRate}\`, see below), with more fraud records to judge a filter by; purity rises with the fraud share, ` +
      'so the target is judged at the default level above:');
    line();
    renderFilters(baselineStream.filters, line);
  }
  line();
  line('## Standing model baseline');
  line();
  renderBaseline(r, line);
  line();
  line('## Comparing a detector with the baseline');
  line();
  line('Issue 16 asks detection v2 to come within 0.1 incident recall of this baseline at equal precision. On the same seeded records, in stream order:');
  line();
  line('```ts');
  line(`import { EventTable } from '../src/analysis/event-table.ts';`);
  line(`import { standingBaseline } from '../src/analysis/baseline.ts';`);
  line();
  line('const table = EventTable.from(events); // SimEvents, or records read back with their sim-label (and sim-incident) headers');
  line('const baseline = standingBaseline(table); // trains on the records before baseline.splitMs, scores the rest');
  line('// measure the detector on the records at or after baseline.splitMs, then at its precision:');
  line('const { incidentRecall } = baseline.incidentRecallAtPrecision(detectorPrecision);');
  line('baseline.scoreOf(row); // the forest\'s score of the record at that position (NaN before the split)');
  line('```');
  line();
  line('Precision there is record precision (fraud records among those flagged) and an incident counts as caught when any of its records in the test half is flagged; ' +
    'the options (trees, depth, training sample, seed, split time) are in src/analysis/baseline.ts. ' +
    'Compare on a stream with enough incidents for both: when the default level has too few, use the stream the baseline was measured on ' +
    '(`runRealism(REALISM_DEFAULTS).baselineStream`: its `fraudRate`, `accounts` and `events`, the same seed; the result\'s `baseline` is the trained model).');
  return out;
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string', default: String(REALISM_DEFAULTS.events) },
      seed: { type: 'string', default: REALISM_DEFAULTS.seed },
      accounts: { type: 'string', default: String(REALISM_DEFAULTS.accounts) },
      'fraud-rate': { type: 'string', default: String(REALISM_DEFAULTS.fraudRate) },
      write: { type: 'boolean', default: false },
    },
  });
  const events = Number(values.events);
  const accounts = Number(values.accounts);
  const rawFraudRate = values['fraud-rate'];
  // A named level ('demo') goes to the simulator as is; the simulator checks the range of either form.
  const fraudRate = (/^[a-z]+$/.test(rawFraudRate) ? rawFraudRate : Number(rawFraudRate)) as RealismOptions['fraudRate'];
  if (!Number.isInteger(events) || events < 1000) throw new Error(`--events must be a whole number >= 1000, got "${values.events}"`);
  if (!Number.isInteger(accounts) || accounts < 1) throw new Error(`--accounts must be a whole number >= 1, got "${values.accounts}"`);
  if (Number.isNaN(fraudRate)) throw new Error(`--fraud-rate must be a number or a named level, got "${rawFraudRate}"`);
  const lines = renderRealism(runRealism({ events, seed: values.seed, accounts, fraudRate }));
  console.log(lines.join('\n'));
  if (values.write) {
    fs.writeFileSync(REALISM_DOC_PATH, lines.join('\n') + '\n');
    process.stderr.write(`wrote ${path.relative(process.cwd(), REALISM_DOC_PATH)}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    // Bad flags and simulator settings it refuses are one line, not a stack trace.
    console.error(`bench:realism: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
