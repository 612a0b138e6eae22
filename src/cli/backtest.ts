// `buzzline backtest`: replays the history in bank_alerts through the processor's pure core under the
// current settings and a candidate's, and prints their incident and case scores side by side. Reads with
// group-less fetches (no group joined, no offset committed) and publishes nothing. Each configuration
// replays in a worker thread of its own (backtest-threads.ts).
import { Consumer } from '@platformatic/kafka';
import { Command, InvalidArgumentError, Option } from 'commander';
import { TOPICS } from '../bank/transaction.ts';
import { ThreadedBacktest } from '../processor/backtest-threads.ts';
import { ConfigError, describeSettings, loadConfig, type ProcessorConfig } from '../processor/config.ts';
import type { IncidentFigures, ScoreTable } from '../processor/incident-score.ts';
import { TopicReader } from '../processor/kafka-io.ts';
import { describeKafkaError } from '../kafka-errors.ts';
import { reachableOrReport } from './brokers-reachable.ts';
import type { SecurityFlags } from '../kafka-security.ts';
import { addSecurityOptions, brokersOption, clientSecurity, collect, integer } from './options.ts';
import { table } from './table.ts';

interface BacktestFlags extends SecurityFlags {
  brokers: string[];
  topic: string;
  config?: string;
  set: string[];
  baseConfig?: string;
  from?: number;
  to?: number;
  warmup: number;
  json?: boolean;
}


function time(raw: string): number {
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  // Epoch milliseconds beyond what a Date holds (±8.64e15) are no time either.
  if (Number.isNaN(new Date(ms).getTime())) throw new InvalidArgumentError(`expected an ISO 8601 time or epoch milliseconds, got "${raw}"`);
  return ms;
}

export function backtestCommand(): Command {
  return addSecurityOptions(new Command('backtest')
    .description('replay bank_alerts through the current and a candidate configuration and compare incident and case scores')
    .addOption(brokersOption())
    .option('--topic <name>', 'topic to replay', TOPICS.transactions)
    .option('--config <file>', 'the candidate settings as JSON (like consume --config)')
    .addOption(new Option('--set <path=value>', 'a candidate setting, repeatable (applied after --config)').argParser(collect).default([], 'none'))
    .option('--base-config <file>', 'settings of the current run to compare with (default: the defaults)')
    .option('--from <time>', 'only records written at or after this time (record timestamp)', time)
    .option('--to <time>', 'only records written before this time', time)
    .option('--warmup <minutes>', 'event time at the start that is not scored (baselines fill up)', integer(0), 1440)
    .option('--json', 'the two score tables as JSON')
    .addHelpText('after', `\nSettings for --config and --set:\n  ${describeSettings().join('\n  ')}`)
    .action(async (flags: BacktestFlags, command: Command) => {
      // The other way round, nothing is replayed, and empty tables look like a result.
      if (flags.from !== undefined && flags.to !== undefined && flags.from >= flags.to) {
        command.error(`error: --from (${new Date(flags.from).toISOString()}) must be before --to (${new Date(flags.to).toISOString()})`, { exitCode: 2 });
      }
      const security = clientSecurity(flags, command).connection;
      let configs: ProcessorConfig[];
      try {
        configs = [loadConfig({ file: flags.baseConfig }), loadConfig({ file: flags.config, overrides: flags.set })];
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(`buzzline backtest: ${err.message}`);
        process.exitCode = 1;
        return;
      }
      if (!(await reachableOrReport('backtest', flags.brokers, security))) return;
      const consumer = new Consumer({ bootstrapBrokers: flags.brokers, ...security, clientId: 'buzzline-backtest', groupId: 'buzzline-backtest-never-joined' });
      try {
        const started = performance.now();
        const cpu = process.cpuUsage(); // the whole process's: the replays' worker threads included
        const backtest = new ThreadedBacktest(configs, flags.warmup * 60_000);
        let tables: ScoreTable[];
        try {
          await replay(new TopicReader(consumer), flags, backtest);
          tables = await backtest.tables();
        } catch (err) {
          await backtest.close();
          throw err;
        }
        const seconds = (performance.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        const cpuSeconds = (used.user + used.system) / 1e6;
        const [current, candidate] = tables as [ScoreTable, ScoreTable];
        if (flags.json) {
          console.log(JSON.stringify({ records: backtest.records, seconds, cpuSeconds, current, candidate }, null, 2));
          return;
        }
        console.log(
          `${backtest.records.toLocaleString('en-US')} records replayed twice (in parallel) in ${seconds.toFixed(1)} s (${Math.round(backtest.records / seconds).toLocaleString('en-US')} records/s; ${cpuSeconds.toFixed(1)} s of CPU)`,
        );
        console.log(scoreTable(current, candidate));
      } catch (err) {
        console.error(`buzzline backtest: ${describeKafkaError(err)}`);
        process.exitCode = 1;
      } finally {
        await consumer.close();
      }
    }));
}

async function replay(reader: TopicReader, flags: BacktestFlags, backtest: ThreadedBacktest): Promise<void> {
  const partitions = await reader.partitionCount(flags.topic);
  // Partitions are read at the same time (each in offset order, which is all the replay needs), so
  // one partition's processing overlaps the others' fetches.
  await Promise.all(
    Array.from({ length: partitions }, async (_, partition) => {
      const { start, end } = await reader.bounds(flags.topic, partition);
      await reader.read(flags.topic, partition, start, end, (r) => {
        if (flags.from !== undefined && r.timestampMs < flags.from) return undefined;
        if (flags.to !== undefined && r.timestampMs >= flags.to) return undefined;
        return backtest.add({ partition, offset: r.offset, timestamp: r.timestampMs, key: r.key, value: r.value, headers: r.headers });
      });
    }),
  );
}

const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const minutes = (ms: number | null) => (ms === null ? '-' : `${(ms / 60_000).toFixed(1)} min`);

export function scoreTable(current: ScoreTable, candidate: ScoreTable): string {
  const rows: Array<[string, string, string]> = [
    ['incidents (after warm-up)', String(current.incidents), String(candidate.incidents)],
    ['incident recall', pct(current.recall), pct(candidate.recall)],
    ['cases', String(current.cases), String(candidate.cases)],
    ['case precision', pct(current.casePrecision), pct(candidate.casePrecision)],
    ['value detected', pct(current.valueDetected), pct(candidate.valueDetected)],
    ['median time to detect', minutes(current.medianTtdMs), minutes(candidate.medianTtdMs)],
    ['cases / 1,000 accounts / day', current.casesPerThousandAccountsPerDay?.toFixed(2) ?? '-', candidate.casesPerThousandAccountsPerDay?.toFixed(2) ?? '-'],
    ['top-100 cases/day precision', pct(current.top100Precision), pct(candidate.top100Precision)],
  ];
  const scenarios = [...new Set([...Object.keys(current.byScenario), ...Object.keys(candidate.byScenario)])].sort();
  const none: IncidentFigures = { incidents: 0, detected: 0, recall: null, valueDetected: null, medianTtdMs: null };
  for (const s of scenarios) {
    const a = current.byScenario[s] ?? none;
    const b = candidate.byScenario[s] ?? none;
    rows.push([`${s}: recall / value / ttd`, `${pct(a.recall)} / ${pct(a.valueDetected)} / ${minutes(a.medianTtdMs)}`, `${pct(b.recall)} / ${pct(b.valueDetected)} / ${minutes(b.medianTtdMs)}`]);
  }
  return table(['', 'CURRENT', 'CANDIDATE'], rows);
}
