// Prometheus text exposition (format 0.0.4) of what the dashboard knows. Counters count since the
// dashboard started, including the history it rebuilt from bank_metrics, so they restart from a value
// that is not zero after a restart; Prometheus' rate() treats a drop as a reset either way.
import type { IncidentFigures } from '../processor/incident-score.ts';
import { QUALITY_KEYS } from '../processor/quality.ts';
import type { Hub } from './hub.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string | number>;

class Exposition {
  private readonly lines: string[] = [];

  metric(name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Labels, number | bigint]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',')}}`;
}

function formatValue(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

export function renderMetrics(hub: Hub): string {
  const out = new Exposition();
  const summary = hub.summary();
  const t = summary.totals;
  out.metric('buzzline_transactions_total', 'counter', 'Valid transactions in the bank_metrics windows read, by transaction type.',
    Object.entries(t.byType).map(([type, s]) => [{ type }, s.count]));
  out.metric('buzzline_records_total', 'counter', 'Records (valid and dead-lettered) in the bank_metrics windows read.', [[{}, t.records]]);
  out.metric('buzzline_dlq_total', 'counter', 'Records sent to the dead-letter topic, by reason.', Object.entries(t.dlqByReason).map(([reason, n]) => [{ reason }, n]));
  out.metric('buzzline_late_records_total', 'counter', 'Records placed in a later window because theirs had closed.', [[{}, t.late]]);
  out.metric('buzzline_alerts_total', 'counter', 'Alerts raised, by severity.', Object.entries(t.alertsBySeverity).map(([severity, n]) => [{ severity }, n]));
  out.metric('buzzline_alerts_by_rule_total', 'counter', 'Alerts raised, by rule.', Object.entries(t.alertsByRule).map(([rule, n]) => [{ rule }, n]));
  out.metric('buzzline_throughput_records_per_second', 'gauge', 'Records per second of event time over the last complete windows.', [[{}, t.throughputPerSec]]);

  if (summary.quality !== null) {
    const q = summary.quality;
    const precision: Array<[Labels, number]> = [];
    const recall: Array<[Labels, number]> = [];
    for (const rule of QUALITY_KEYS) {
      const r = q.byRule[rule];
      if (r.precision !== null) precision.push([{ rule }, r.precision]);
      if (r.recall !== null) recall.push([{ rule }, r.recall]);
    }
    out.metric('buzzline_detection_precision', 'gauge', 'Share of alerts on records labelled as fraud (simulator ground truth).', precision);
    out.metric('buzzline_detection_recall', 'gauge', 'Share of labelled fraud episodes with at least one alert.', recall);
  }

  const detection = summary.detection;
  if (detection !== null) {
    // scenario="all" is the whole detector; every other value is one simulator scenario.
    const score = detection.table;
    const scenarios: Array<[string, IncidentFigures]> = [['all', score], ...Object.entries(score.byScenario)];
    const per = (pick: (f: IncidentFigures) => number | null, scale = 1): Array<[Labels, number]> =>
      scenarios.flatMap(([scenario, f]): Array<[Labels, number]> => {
        const v = pick(f);
        return v === null ? [] : [[{ scenario }, v * scale]];
      });
    const one = (v: number | null): Array<[Labels, number]> => (v === null ? [] : [[{}, v]]);
    out.metric('buzzline_detection_incidents', 'gauge', 'Fraud incidents after the warm-up (simulator ground truth), by scenario.', per((f) => f.incidents));
    out.metric('buzzline_detection_incident_recall', 'gauge', 'Share of incidents with a case on one of their records, by scenario.', per((f) => f.recall));
    out.metric('buzzline_detection_value_detected', 'gauge', 'Share of fraud outflow at or after the incident\'s first case, by scenario.', per((f) => f.valueDetected));
    out.metric('buzzline_detection_median_time_to_detect_seconds', 'gauge', 'Median event time from an incident\'s first record to its first case, by scenario.', per((f) => f.medianTtdMs, 1 / 1000));
    out.metric('buzzline_detection_cases', 'gauge', 'Cases opened after the warm-up.', [[{}, score.cases]]);
    out.metric('buzzline_detection_case_precision', 'gauge', 'Share of cases with an alert on a fraud record.', one(score.casePrecision));
    out.metric('buzzline_detection_cases_per_thousand_accounts_per_day', 'gauge', 'Cases opened per 1,000 accounts per day of event time.', one(score.casesPerThousandAccountsPerDay));
    out.metric('buzzline_detection_top100_precision', 'gauge', 'Precision of the 100 highest-scored cases of each day, pooled.', one(score.top100Precision));
  }

  out.metric('buzzline_cases', 'gauge', 'Fraud cases the dashboard holds (the latest version of each), by severity and status.',
    hub.cases.counts().map((c): [Labels, number] => [{ severity: c.severity, status: c.status }, c.cases]));
  out.metric('buzzline_notifications_total', 'counter', 'Customer notifications read (low balance, overdraft), by rule, each counted once.',
    Object.entries(hub.notificationsByRule).map(([rule, n]) => [{ rule }, n]));

  const topics = hub.topicsView();
  const high: Array<[Labels, bigint]> = [];
  const low: Array<[Labels, bigint]> = [];
  for (const topic of topics.topics) {
    for (const p of topic.partitions) {
      high.push([{ topic: topic.name, partition: p.partition }, BigInt(p.latest)]);
      low.push([{ topic: topic.name, partition: p.partition }, BigInt(p.earliest)]);
    }
  }
  out.metric('buzzline_topic_messages_per_second', 'gauge', 'Messages appended per second over the last polls.',
    topics.topics.flatMap((topic): Array<[Labels, number]> => (topic.ratePerSec === null ? [] : [[{ topic: topic.name }, topic.ratePerSec]])));
  out.metric('buzzline_topic_partition_latest_offset', 'gauge', 'Log end offset (high watermark) per partition.', high);
  out.metric('buzzline_topic_partition_earliest_offset', 'gauge', 'Log start offset per partition.', low);

  const groups = hub.groupsView().groups;
  out.metric('buzzline_consumer_group_records_per_second', 'gauge', 'Growth of the group\'s committed offsets per second: records processed.',
    groups.flatMap((g): Array<[Labels, number]> => (g.ratePerSec === null ? [] : [[{ group: g.groupId }, g.ratePerSec]])));
  const lag: Array<[Labels, bigint]> = [];
  for (const g of groups) {
    for (const p of g.partitions) lag.push([{ group: g.groupId, topic: p.topic, partition: p.partition }, BigInt(p.lag)]);
  }
  out.metric('buzzline_consumer_group_lag', 'gauge', 'Log end offset minus the group\'s committed offset, per partition.', lag);

  const r = summary.reader;
  out.metric('buzzline_dashboard_records_read_total', 'counter', 'Records the dashboard read from its input topics.', [[{ topic: 'metrics' }, r.windowsRead], [{ topic: 'alerts' }, r.alertsRead], [{ topic: 'cases' }, r.casesRead], [{ topic: 'notifications' }, r.notificationsRead], [{ topic: 'detection' }, r.detectionFactsRead]]);
  out.metric('buzzline_dashboard_invalid_records_total', 'counter', 'Records of the input topics that could not be decoded and were skipped.', [[{}, r.invalidRecords]]);
  out.metric('buzzline_dashboard_stream_clients', 'gauge', 'Connected event-stream clients.', [[{}, hub.subscribers]]);
  out.metric('buzzline_dashboard_pushes_total', 'counter', 'Updates pushed to event-stream clients.', [[{}, hub.pushes]]);
  return out.toString();
}
