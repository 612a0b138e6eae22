// The backtest's core: the recorded input replayed through the same PartitionProcessor as `buzzline
// consume`, once per configuration, side by side, and scored per incident and case (incident-score.ts).
// No Kafka in here: the command (src/cli/backtest.ts) reads the topic and feeds records in; nothing is
// published, so a replay touches no live topic.
import { SIM_LABEL_HEADER } from '../bank/transaction.ts';
import type { Case } from '../formats/case.ts';
import type { Alert } from './alert.ts';
import type { ProcessorConfig } from './config.ts';
import { SIM_INCIDENT_HEADER } from '../bank/transaction.ts';
import { IncidentScorer, type ScoreTable } from './incident-score.ts';
import { headerText, PartitionProcessor, type InputRecord } from './partition-processor.ts';
import type { NormalizedTx } from './validate.ts';

export class Backtest {
  records = 0;
  // Sees the first configuration's case publications with their event time (bench/detection.ts breaks the
  // false cases down by rule with it).
  onCases: ((cases: readonly Case[], atMs: number) => void) | undefined;
  // Sees the first configuration's fraud alerts with their transaction (bench/detection.ts measures each
  // rule's precision with it).
  onAlerts: ((alerts: readonly Alert[], tx: NormalizedTx) => void) | undefined;
  private readonly configs: readonly ProcessorConfig[];
  private readonly processors: Array<Map<number, PartitionProcessor>>;
  private readonly scorers: IncidentScorer[];

  constructor(configs: readonly ProcessorConfig[], warmupMs: number) {
    // Metrics windows are not part of detection and are not published here: one-hour windows cost the
    // least (the window per record is a fifth of the processor's time with one-second windows).
    this.configs = configs.map((c) => ({ ...c, windowMs: 3_600_000 }));
    this.processors = configs.map(() => new Map());
    this.scorers = configs.map(() => new IncidentScorer(warmupMs));
  }

  // Records of one partition must come in offset order; partitions may interleave.
  add(record: InputRecord): void {
    this.records++;
    const label = headerText(record.headers, SIM_LABEL_HEADER);
    const incident = headerText(record.headers, SIM_INCIDENT_HEADER);
    for (let i = 0; i < this.configs.length; i++) {
      const byPartition = this.processors[i] as Map<number, PartitionProcessor>;
      let p = byPartition.get(record.partition);
      if (p === undefined) {
        p = new PartitionProcessor(record.partition, this.configs[i] as ProcessorConfig);
        byPartition.set(record.partition, p);
      }
      const r = p.process(record);
      if (r.tx === null) continue;
      (this.scorers[i] as IncidentScorer).observe(r.tx, label, incident, r.cases, record.partition, record.offset);
      if (i === 0 && r.cases.length > 0) this.onCases?.(r.cases, r.tx.timestampMs);
      if (i === 0 && r.alerts.length > 0) this.onAlerts?.(r.alerts, r.tx);
    }
  }

  tables(): ScoreTable[] {
    return this.scorers.map((s) => s.table());
  }
}
