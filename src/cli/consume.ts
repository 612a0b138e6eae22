// `buzzline consume`: the stream processor, one member of a consumer group. Flags override environment
// variables (KAFKA_BROKERS, KAFKA_TOPIC, LOG_LEVEL; also read from `.env`), which override the defaults.
// Rule settings come from --config <file.json> and --set path=value (see --help for the list).

import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import { RateTracker } from '../dashboard/cluster-overview.ts';
import { resolveToken, urlWithToken } from '../dashboard/access.ts';
import type { RunningDashboard } from '../dashboard/server.ts';
import { parseBrokerList } from '../kafka-brokers.ts';
import type { SecurityFlags } from '../kafka-security.ts';
import { createLogger } from '../logging.ts';
import { ConfigError, describeSettings, loadConfig } from '../processor/config.ts';
import { PROCESSOR_DEFAULTS, superviseProcessor, type ProcessorOptions, type ProcessorStats } from '../processor/consumer.ts';
import type { OutputTopics } from '../processor/kafka-io.ts';
import { classifyFailure } from '../processor/failures.ts';
import { QUALITY_KEYS } from '../processor/quality.ts';
import { LOG_LEVELS, mergedEnv, readDotEnv } from '../producer/config.ts';
import { isTopicName, TOPIC_NAME_RULE } from '../kafka-topic-names.ts';
import { describeKafkaError } from '../kafka-errors.ts';
import { checkBrokersReachable } from './brokers-reachable.ts';
import { ForeignMembers } from './foreign-members.ts';
import { addSecurityOptions, ALLOWED_HOSTS_HELP, clientId, clientSecurity, collect, hostList, hostName, integer, listenFailure, onShutdown, port, TOKEN_HELP } from './options.ts';
import { statusLine } from './status-line.ts';

interface ConsumeFlags extends SecurityFlags {
  brokers?: string;
  topic?: string;
  group: string;
  instanceId?: string;
  config?: string;
  set: string[];
  dashboard: boolean;
  dashboardPort: number;
  host: string;
  allowedHosts?: string[];
  token?: string;
  logLevel?: string;
  logFile: string;
  stateTopic: string;
  checkpointInterval: number;
  checkpointRecords: number;
  sessionTimeout: number;
  threads: number;
  quiet?: boolean;
  waitForBrokers?: boolean;
}

export const DEFAULT_DASHBOARD_PORT = 8080;
const STATUS_RATE_SPAN_MS = 3000;

function percent(x: number | null): string {
  return x === null ? '-' : `${(x * 100).toFixed(1)}%`;
}

export function summary(stats: ProcessorStats): string {
  const seconds = stats.elapsedMs / 1000;
  const lines = [
    `processed ${stats.processed.toLocaleString('en-US')} records in ${seconds.toFixed(1)}s (${Math.round(stats.ratePerSec).toLocaleString('en-US')} msg/s while records flowed): ` +
      `${stats.valid.toLocaleString('en-US')} valid, ${stats.dlq.toLocaleString('en-US')} to the DLQ, ${stats.alerts.toLocaleString('en-US')} alerts published` +
      (stats.suppressed > 0 ? `, ${stats.suppressed} already published before a restart` : ''),
    `partitions [${stats.everOwned.join(', ')}], ${stats.restores} restored from snapshots, ${stats.checkpoints} checkpoints`,
  ];
  const reasons = Object.entries(stats.dlqByReason);
  if (reasons.length > 0) lines.push(`dead letters: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  if (stats.quality.labeled > 0) {
    lines.push(`detection quality over ${stats.quality.labeled.toLocaleString('en-US')} labelled records, ${stats.quality.episodes} fraud episodes:`);
    for (const key of QUALITY_KEYS) {
      const q = stats.qualitySummary[key];
      if (q.tp + q.fp === 0 && q.detected === 0) continue;
      const ttd = q.meanTtdMs === null ? '-' : `${(q.meanTtdMs / 1000).toFixed(0)}s`;
      lines.push(`  ${key.padEnd(12)} precision ${percent(q.precision).padStart(6)}  recall ${percent(q.recall).padStart(6)}  mean time to detect ${ttd}`);
    }
  }
  return lines.join('\n');
}

// The topics read and written must be legal names, and all different: a processor reading a topic it
// writes feeds on its own output (reading bank_alerts_dlq, every dead letter is dead-lettered again, without
// end), and snapshots written among the transactions or the alerts would be taken for them.
const OUTPUT_ROLES: Record<Exclude<keyof OutputTopics, 'state'>, string> = { alerts: 'alerts', notifications: 'notifications', cases: 'cases', dlq: 'dead letters', metrics: 'metrics' };

export function topicProblems(source: string, sourceFlag: string, outputs: OutputTopics): string[] {
  const issues: string[] = [];
  if (!isTopicName(source)) issues.push(`${sourceFlag} "${source}": ${TOPIC_NAME_RULE}`);
  if (!isTopicName(outputs.state)) issues.push(`--state-topic "${outputs.state}": ${TOPIC_NAME_RULE}`);
  const written = Object.entries(OUTPUT_ROLES).map(([key, role]) => [role, outputs[key as keyof typeof OUTPUT_ROLES]] as const);
  for (const [role, topic] of written) {
    if (topic === source) issues.push(`${sourceFlag} "${source}": the processor writes its ${role} there; it cannot also read it`);
  }
  if (outputs.state === source) issues.push(`--state-topic "${outputs.state}": the same topic as ${sourceFlag}; snapshots need a topic of their own`);
  for (const [role, topic] of written) {
    if (topic === outputs.state) issues.push(`--state-topic "${outputs.state}": the processor writes its ${role} there; snapshots need a topic of their own`);
  }
  return issues;
}

export function consumeCommand(): Command {
  const d = PROCESSOR_DEFAULTS;
  return addSecurityOptions(new Command('consume')
    .description('process bank_alerts: validate, detect fraud, publish alerts, dead letters and per-second metrics')
    .option('--brokers <list>', `bootstrap brokers, host:port[,host:port] (default ${d.brokers.join(',')}) [env KAFKA_BROKERS]`)
    .option('--topic <name>', `topic to consume (default ${d.topic}) [env KAFKA_TOPIC]`)
    .option('--group <id>', 'consumer group; processes with the same group share the partitions', clientId, d.group)
    .option('--instance-id <id>', 'static group membership: a worker restarted with the same id gets its partitions back without a rebalance', clientId)
    .option('--config <file>', 'processor settings as JSON, e.g. {"rules":{"velocity":{"count":4}}}')
    .addOption(new Option('--set <path=value>', 'override one setting, repeatable, e.g. --set rules.velocity.count=4').argParser(collect).default([], 'none'))
    .option('--no-dashboard', 'do not serve the dashboard (for scaled-out workers)')
    .option('--dashboard-port <port>', 'port of the dashboard (0 = any free port)', port, DEFAULT_DASHBOARD_PORT)
    .option('--host <host>', 'address the dashboard binds; anything but loopback exposes it to the network', hostName, '127.0.0.1')
    .option('--allowed-hosts <names>', ALLOWED_HOSTS_HELP, hostList)
    .option('--token <token>', TOKEN_HELP)
    .addOption(new Option('--log-level <level>', 'level for the log file [env LOG_LEVEL]').choices([...LOG_LEVELS]))
    .option('--log-file <path>', 'where to log (every alert is logged at info)', d.logFile)
    .option('--state-topic <name>', 'topic holding the partition snapshots', d.outputs.state)
    .option('--checkpoint-interval <ms>', 'wall time between checkpoints', integer(10, 3_600_000), d.checkpointIntervalMs)
    .option('--checkpoint-records <n>', 'records between checkpoints at most', integer(1), d.checkpointRecords)
    .option('--threads <n>', 'threads that process partitions, each owning some of them with their state (by default the cores less one, at most 2)', integer(1, 64), d.processingThreads)
    .option('--session-timeout <ms>', 'how long the group waits for a silent member before moving its partitions', integer(1000, 3_600_000), d.sessionTimeoutMs)
    .option('--quiet', 'no alert lines on the console (the log still has them)')
    .option('--wait-for-brokers', 'at start-up, retry brokers that are not there yet (processor started before Kafka) instead of exiting'))
    .addHelpText('after', `\nSettings for --config and --set:\n  ${describeSettings().join('\n  ')}`)
    .action(async (flags: ConsumeFlags, command: Command) => {
      const env = mergedEnv(readDotEnv());
      const security = clientSecurity(flags, command).connection;
      let options: ProcessorOptions;
      try {
        const brokersRaw = flags.brokers ?? env.KAFKA_BROKERS ?? d.brokers.join(',');
        let brokers: string[];
        try {
          brokers = parseBrokerList(brokersRaw);
        } catch (error) {
          const where = flags.brokers !== undefined ? '--brokers' : env.KAFKA_BROKERS !== undefined ? 'KAFKA_BROKERS' : 'default brokers';
          throw new ConfigError([`${where}: ${(error as Error).message}`]);
        }
        const logLevel = flags.logLevel ?? env.LOG_LEVEL ?? d.logLevel;
        if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError([`LOG_LEVEL "${logLevel}": expected one of ${LOG_LEVELS.join(', ')}`]);
        options = {
          ...d,
          brokers,
          security,
          // An empty KAFKA_TOPIC (`KAFKA_TOPIC=` in .env) is unset, as for produce.
          topic: flags.topic ?? (env.KAFKA_TOPIC?.trim() || d.topic),
          group: flags.group,
          instanceId: flags.instanceId ?? null,
          config: loadConfig({ file: flags.config, overrides: flags.set }),
          outputs: { ...d.outputs, state: flags.stateTopic },
          checkpointIntervalMs: flags.checkpointInterval,
          checkpointRecords: flags.checkpointRecords,
          sessionTimeoutMs: flags.sessionTimeout,
          heartbeatIntervalMs: Math.min(d.heartbeatIntervalMs, Math.floor(flags.sessionTimeout / 3)),
          processingThreads: flags.threads,
          logLevel,
          logFile: flags.logFile,
          consoleAlerts: !flags.quiet,
        };
        const topicIssues = topicProblems(options.topic, flags.topic === undefined && env.KAFKA_TOPIC?.trim() ? 'KAFKA_TOPIC' : '--topic', options.outputs);
        if (topicIssues.length > 0) throw new ConfigError(topicIssues);
      } catch (error) {
        if (error instanceof ConfigError) command.error(`error: ${error.message}`, { exitCode: 2, code: error.code });
        throw error;
      }
      if (!flags.waitForBrokers) {
        try {
          await checkBrokersReachable(options.brokers, security);
        } catch (error) {
          console.error(`buzzline consume: ${(error as Error).message} (check --brokers / KAFKA_BROKERS, or --wait-for-brokers)`);
          process.exit(1);
        }
      }
      let logger: Logger;
      try {
        logger = createLogger('banking-consumer', { level: options.logLevel, file: options.logFile });
      } catch (error) {
        console.error(`buzzline consume: ${(error as Error).message} (check --log-file)`);
        process.exit(1);
      }
      const controller = new AbortController();
      let dashboard: RunningDashboard | undefined;
      if (flags.dashboard) {
        // Asked for a dashboard and not getting one (port taken) is a mistake to fix now, not to discover
        // later: one line naming the flag, exit before any processing.
        try {
          // Loaded only when asked for: scaled-out workers (--no-dashboard) do without the web server's code.
          const { startDashboard } = await import('../dashboard/server.ts');
          dashboard = await startDashboard({
            brokers: options.brokers, security, host: flags.host, port: flags.dashboardPort, logger: logger.child({ component: 'dashboard' }),
            allowedHosts: flags.allowedHosts ?? [], token: resolveToken(flags.host, flags.token, env),
          }, controller.signal);
          console.error(`dashboard on ${urlWithToken(dashboard.url, dashboard.token)}`);
        } catch (error) {
          console.error(`buzzline consume: dashboard not started: ${listenFailure(error, flags.host, flags.dashboardPort, '--dashboard-port')}`);
          process.exitCode = 1;
          return;
        }
      }

      const status = statusLine();
      // The status shows the rate of the last few seconds; the summary at the end has the run's average.
      const recent = new RateTracker(STATUS_RATE_SPAN_MS);
      let lastStatus = 0;
      const neighbours = new ForeignMembers({ brokers: options.brokers, security, group: options.group, topic: options.topic, ownClientId: options.clientId, warn: (line) => status.line(`buzzline consume: ${line}`, 'stderr') });
      const hooks = {
        logger,
        console: (line: string) => status.line(line),
        onAssignment: () => neighbours.check(),
        onStats: (st: ProcessorStats) => {
          const now = performance.now();
          recent.record(now, new Map([['processed', BigInt(st.processed)]]));
          if (now - lastStatus < 500) return;
          lastStatus = now;
          status.update(`${st.processed.toLocaleString('en-US')} processed | ${Math.round(recent.rate('processed') ?? 0).toLocaleString('en-US')} msg/s | ${st.alerts} alerts | ${st.dlq} dlq | partitions [${st.owned.join(',')}]`);
        },
      };
      const done = superviseProcessor(options, controller.signal, hooks, (failure, error, delayMs, attempt) => {
        const line = `${failure.description}; restarting from the last checkpoint in ${(delayMs / 1000).toFixed(1)}s [attempt ${attempt}]`;
        status.line(`buzzline consume: ${line}`, 'stderr');
        logger.warn({ event: 'restart', attempt, delayMs, category: failure.category, reason: describeKafkaError(error) }, line);
      }).then(
        (stats) => {
          status.end();
          console.log(summary(stats));
        },
        (error: unknown) => {
          status.end();
          const failure = classifyFailure(error);
          console.error(`buzzline consume: ${failure.description}`);
          logger.error({ event: 'failed', kind: failure.kind, category: failure.category, err: error }, failure.description);
          process.exitCode = 1;
        },
      ).finally(() => {
        controller.abort();
        return Promise.all([dashboard?.close(), neighbours.close()]);
      });
      // Ctrl+C: stop taking records, checkpoint, flush open windows, leave the group, print the totals.
      onShutdown(() => {
        controller.abort();
        return done;
      });
      await done;
    });
}
