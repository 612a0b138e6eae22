// The standing model baseline (issue 15): a modest model on per-transaction features from each account's
// past, trained on the first half of the simulated period and tested on the second. It is the yardstick
// for how separable the simulated fraud is, and the reference detection v2 (issue 16) is compared with:
// "within 0.1 incident recall of the standing model baseline at equal precision" is
// `baseline.incidentRecallAtPrecision(detectionPrecision).incidentRecall` on the same seeded stream, with
// detection scored on the records at or after `baseline.splitMs`.
//
// Training keeps every fraud record of the first half and a seeded uniform sample of its normal records
// (maxTrainNormals): fraud is 0.1-1% of records, so the normal sample still outnumbers it 50 to 1 or more,
// and it keeps training at seconds. Sampling one class shifts the forest's probabilities but not their
// order, and AUC, average precision and incident recall at a precision depend on the order only.

import { Rng } from '../bank/rng.ts';
import type { EventTable } from './event-table.ts';
import { computeFeatures } from './features.ts';
import type { FeatureMatrix } from './features.ts';
import { trainForest, trainTree } from './forest.ts';
import type { Tree } from './forest.ts';
import { averagePrecision, incidentRecallAtPrecision, precisionAtIncidentRecall, rocAuc } from './metrics.ts';
import type { OperatingPoint } from './metrics.ts';

export interface BaselineOptions {
  trees?: number; // default 60
  maxDepth?: number; // default 12
  minLeaf?: number; // default 5
  maxTrainNormals?: number; // default 60,000
  seed?: string | number; // default 'baseline'
  splitMs?: number; // default: the middle of the simulated period
}

export const BASELINE_DEFAULTS = { trees: 60, maxDepth: 12, minLeaf: 5, maxTrainNormals: 60_000, seed: 'baseline' } as const;

export interface ModelResult {
  auc: number;
  ap: number;
  scores: Float64Array; // one per test row
}

export interface ScenarioRecall {
  incidents: number; // incidents of the scenario with a record in the test half
  caught: number; // of them, with a record flagged
}

export interface StandingBaseline {
  readonly splitMs: number;
  readonly features: FeatureMatrix;
  readonly train: { fraud: number; normals: number; normalsSampled: number };
  readonly testRows: Uint32Array; // table rows at or after splitMs
  readonly testFraud: Uint8Array;
  readonly testIncident: Int32Array;
  readonly forest: ModelResult & { importance: { feature: string; share: number }[] }; // Gini importance, largest first
  readonly depth2: ModelResult & { splits: string[] };
  readonly seconds: { features: number; train: number; score: number };
  // The forest's score of a table row; NaN for a training-period row.
  scoreOf(row: number): number;
  incidentRecallAtPrecision(minPrecision: number): OperatingPoint;
  // The most precise operating point that catches at least that share of the incidents.
  precisionAtIncidentRecall(minIncidentRecall: number): OperatingPoint;
  // The same operating point, incidents counted per scenario (`sim-label`).
  incidentRecallByScenario(minPrecision: number): Record<string, ScenarioRecall>;
}

export function standingBaseline(table: EventTable, options: BaselineOptions = {}): StandingBaseline {
  const o = { ...BASELINE_DEFAULTS, ...options };
  if (table.length === 0) throw new Error('the standing baseline needs a non-empty stream');
  const splitMs = options.splitMs ?? table.firstMs + table.spanMs / 2;
  const rng = new Rng(o.seed);

  let started = performance.now();
  const features = computeFeatures(table);
  const featureSeconds = (performance.now() - started) / 1000;

  const fraudRows: number[] = [];
  const normalRows: number[] = [];
  const testList: number[] = [];
  for (let i = 0; i < table.length; i++) {
    if ((table.timeMs[i] ?? 0) >= splitMs) testList.push(i);
    else if (table.label[i] !== 0) fraudRows.push(i);
    else normalRows.push(i);
  }
  if (fraudRows.length === 0) throw new Error('no fraud records before the split: the standing baseline cannot be trained');
  if (testList.length === 0) throw new Error('no records at or after the split: nothing to test on');
  // Seeded partial Fisher-Yates: the first `kept` normal rows become a uniform sample.
  const kept = Math.min(normalRows.length, o.maxTrainNormals);
  for (let k = 0; k < kept; k++) {
    const j = k + Math.floor(rng.next() * (normalRows.length - k));
    [normalRows[k], normalRows[j]] = [normalRows[j] ?? 0, normalRows[k] ?? 0];
  }
  const trainRows = Uint32Array.from([...fraudRows, ...normalRows.slice(0, kept)]);
  const trainLabels = Uint8Array.from(trainRows, (row) => (table.label[row] !== 0 ? 1 : 0));

  started = performance.now();
  const forest = trainForest(features, trainRows, trainLabels, { trees: o.trees, maxDepth: o.maxDepth, minLeaf: o.minLeaf, seed: o.seed });
  const depth2 = trainTree(features, trainRows, trainLabels, { maxDepth: 2, minLeaf: 1, seed: o.seed });
  const trainSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const testRows = Uint32Array.from(testList);
  const testFraud = Uint8Array.from(testRows, (row) => (table.label[row] !== 0 ? 1 : 0));
  const testIncident = Int32Array.from(testRows, (row) => table.incident[row] ?? 0);
  const forestScores = forest.predict(features, testRows);
  const treeScores = depth2.predict(features, testRows);
  const scoreSeconds = (performance.now() - started) / 1000;

  const rowScore = new Float64Array(table.length).fill(Number.NaN);
  testRows.forEach((row, k) => {
    rowScore[row] = forestScores[k] ?? Number.NaN;
  });
  const evaluate = (scores: Float64Array): ModelResult => ({ scores, auc: rocAuc({ scores, fraud: testFraud }), ap: averagePrecision({ scores, fraud: testFraud }) });
  return {
    splitMs,
    features,
    train: { fraud: fraudRows.length, normals: normalRows.length, normalsSampled: kept },
    testRows,
    testFraud,
    testIncident,
    forest: {
      ...evaluate(forestScores),
      importance: Array.from(forest.importance(features.width), (share, f) => ({ feature: features.names[f] ?? `f${f}`, share })).sort((a, b) => b.share - a.share),
    },
    depth2: { ...evaluate(treeScores), splits: (depth2.trees[0] as Tree).describe(features.names) },
    seconds: { features: featureSeconds, train: trainSeconds, score: scoreSeconds },
    scoreOf: (row) => rowScore[row] ?? Number.NaN,
    incidentRecallAtPrecision: (minPrecision) => incidentRecallAtPrecision({ scores: forestScores, fraud: testFraud, incident: testIncident }, minPrecision),
    precisionAtIncidentRecall: (minIncidentRecall) => precisionAtIncidentRecall({ scores: forestScores, fraud: testFraud, incident: testIncident }, minIncidentRecall),
    incidentRecallByScenario: (minPrecision) => {
      const { threshold } = incidentRecallAtPrecision({ scores: forestScores, fraud: testFraud, incident: testIncident }, minPrecision);
      const seen = new Map<number, { label: string; caught: boolean }>();
      testRows.forEach((row, k) => {
        const incident = testIncident[k] ?? 0;
        if (incident === 0) return;
        const entry = seen.get(incident) ?? { label: table.labels.name(table.label[row] ?? 0), caught: false };
        entry.caught ||= (forestScores[k] ?? 0) >= threshold;
        seen.set(incident, entry);
      });
      const out: Record<string, ScenarioRecall> = {};
      for (const { label, caught } of seen.values()) {
        const r = (out[label] ??= { incidents: 0, caught: 0 });
        r.incidents++;
        if (caught) r.caught++;
      }
      return out;
    },
  };
}
