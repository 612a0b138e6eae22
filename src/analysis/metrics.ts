// Ranking metrics for a fraud score: ROC AUC, average precision (the area under the precision-recall
// curve as scikit-learn computes it, a step function), incident recall at a precision: the share of
// fraud incidents with at least one record flagged, at the threshold that catches the most incidents while
// record precision stays at or above the target (the highest such threshold when several catch as many),
// and its converse, the best record precision at which a given share of incidents is caught.
// Tied scores are one threshold: they are flagged together or not at all.

export interface ScoredRecords {
  readonly scores: ArrayLike<number>;
  readonly fraud: ArrayLike<number>; // 1 = fraud, 0 = normal
  readonly incident?: ArrayLike<number>; // incident id of a fraud record (any non-zero number); 0 for normal
}

export interface OperatingPoint {
  threshold: number; // records with score >= threshold are flagged; Infinity when no threshold qualifies
  flagged: number;
  precision: number;
  recall: number; // share of fraud records flagged
  incidentRecall: number; // share of incidents with a flagged record
  incidents: number; // incidents in the scored records
}

function descendingOrder(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
  return order;
}

function counts(records: ScoredRecords): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < records.fraud.length; i++) if (records.fraud[i] === 1) positives++;
  return { positives, negatives: records.fraud.length - positives };
}

// Probability that a random fraud record scores above a random normal one (ties count half).
export function rocAuc(records: ScoredRecords): number {
  const { positives, negatives } = counts(records);
  if (positives === 0 || negatives === 0) return Number.NaN;
  const order = descendingOrder(records.scores);
  let negativesAbove = 0;
  let sum = 0; // over fraud records: normal records ranked below, ties halved
  let i = 0;
  while (i < order.length) {
    const score = records.scores[order[i] ?? 0];
    let pos = 0;
    let neg = 0;
    let j = i;
    for (; j < order.length && records.scores[order[j] ?? 0] === score; j++) {
      if (records.fraud[order[j] ?? 0] === 1) pos++;
      else neg++;
    }
    sum += pos * (negatives - negativesAbove - neg) + pos * neg * 0.5;
    negativesAbove += neg;
    i = j;
  }
  return sum / (positives * negatives);
}

// Sum over thresholds of (recall gained) × (precision at that threshold).
export function averagePrecision(records: ScoredRecords): number {
  const { positives } = counts(records);
  if (positives === 0) return Number.NaN;
  const order = descendingOrder(records.scores);
  let tp = 0;
  let flagged = 0;
  let ap = 0;
  let i = 0;
  while (i < order.length) {
    const score = records.scores[order[i] ?? 0];
    let pos = 0;
    let j = i;
    for (; j < order.length && records.scores[order[j] ?? 0] === score; j++) if (records.fraud[order[j] ?? 0] === 1) pos++;
    flagged += j - i;
    tp += pos;
    ap += (pos / positives) * (tp / flagged);
    i = j;
  }
  return ap;
}

// Every threshold, highest first, with what flagging the records at or above it gives.
function* operatingPoints(records: ScoredRecords): Generator<OperatingPoint> {
  const incident = records.incident;
  if (!incident) throw new Error('incident recall needs the incident id of every fraud record');
  const { positives } = counts(records);
  const incidents = incidentCount(records);
  const order = descendingOrder(records.scores);
  const caught = new Set<number>();
  let tp = 0;
  let i = 0;
  while (i < order.length) {
    const score = records.scores[order[i] ?? 0] ?? 0;
    let j = i;
    for (; j < order.length && records.scores[order[j] ?? 0] === score; j++) {
      const row = order[j] ?? 0;
      if (records.fraud[row] !== 1) continue;
      tp++;
      caught.add(incident[row] ?? 0);
    }
    yield { threshold: score, flagged: j, precision: tp / j, recall: positives > 0 ? tp / positives : 0, incidentRecall: incidents > 0 ? caught.size / incidents : 0, incidents };
    i = j;
  }
}

function incidentCount(records: ScoredRecords): number {
  const all = new Set<number>();
  for (let i = 0; i < records.fraud.length; i++) if (records.fraud[i] === 1) all.add(records.incident?.[i] ?? 0);
  return all.size;
}

const NONE = (incidents: number): OperatingPoint => ({ threshold: Number.POSITIVE_INFINITY, flagged: 0, precision: Number.NaN, recall: 0, incidentRecall: 0, incidents });

// The operating point with the most incidents caught among thresholds whose precision >= minPrecision.
export function incidentRecallAtPrecision(records: ScoredRecords, minPrecision: number): OperatingPoint {
  let best = NONE(incidentCount(records));
  for (const point of operatingPoints(records)) {
    // Incidents caught only grow as the threshold falls; a strict improvement is required so a plateau
    // keeps its highest (cheapest) threshold.
    if (point.precision >= minPrecision && (point.incidentRecall > best.incidentRecall || best.flagged === 0)) best = point;
  }
  return best;
}

// The operating point with the highest precision among thresholds that catch >= minIncidentRecall of the
// incidents (the highest such threshold when several are as precise); none when no threshold catches
// that many.
export function precisionAtIncidentRecall(records: ScoredRecords, minIncidentRecall: number): OperatingPoint {
  let best = NONE(incidentCount(records));
  for (const point of operatingPoints(records)) {
    if (point.incidentRecall >= minIncidentRecall && (best.flagged === 0 || point.precision > best.precision)) best = point;
  }
  return best;
}
