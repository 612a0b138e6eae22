// `buzzline produce`: stream simulated banking transactions into Kafka. Flags override environment
// variables, which override `.env`; see src/producer/config.ts for names and rules.

import { Command } from 'commander';
import { ConfigError, DEFAULTS, ENV_VARS, mergedEnv, readDotEnv, resolveProducerConfig } from '../producer/config.ts';
import type { ProduceFlags } from '../producer/config.ts';
import type { ProducerTotals } from '../producer/producer.ts';
import { checkBrokersReachable } from './brokers-reachable.ts';
import { addSecurityOptions, onShutdown } from './options.ts';
import { statusLine } from './status-line.ts';

function summary(totals: ProducerTotals, topic: string): string {
  const seconds = totals.elapsedMs / 1000;
  const fraud = totals.produced - totals.byLabel.normal;
  const lines = [
    `produced ${totals.produced.toLocaleString('en-US')} messages to ${topic} in ${seconds.toFixed(1)}s (${Math.round(totals.produced / Math.max(seconds, 0.001)).toLocaleString('en-US')} msg/s), ${fraud} fraud-labelled, stopped by ${totals.stoppedBy}`,
    `${totals.bank}${totals.replayed > 0 ? ` (${totals.replayed.toLocaleString('en-US')} earlier events regenerated)` : ''}; replay with --seed ${totals.seed} --start ${new Date(totals.startMs).toISOString()}`,
  ];
  if (totals.unsent > 0) lines.push(`${totals.unsent.toLocaleString('en-US')} generated messages were not delivered: the broker stayed unreachable`);
  return lines.join('\n');
}

export function produceCommand(): Command {
  const env = (flag: Exclude<keyof ProduceFlags, 'newBank'>) => `[env ${ENV_VARS[flag]}]`;
  return addSecurityOptions(new Command('produce')
    .description('stream simulated banking transactions (deposits, withdrawals, transfers, fraud) into Kafka')
    .option('--brokers <list>', `bootstrap brokers, host:port[,host:port] (default ${DEFAULTS.brokers}) ${env('brokers')}`)
    .option('--topic <name>', `topic to produce to (default ${DEFAULTS.topic}) ${env('topic')}`)
    .option('--rate <n>', `the bank's mean transactions per second in real time; sets the number of accounts (default ${DEFAULTS.rate}) ${env('rate')}`)
    .option('--accounts <n>', `number of accounts instead of --rate (the rate follows) ${env('accounts')}`)
    .option('--speed <n|max>', `how many times faster than the wall clock the bank's clock runs; max = as fast as possible (default ${DEFAULTS.speed}) ${env('speed')}`)
    .option('--count <n>', `stop after n messages ${env('count')}`)
    .option('--duration <time>', `stop after this long: 90, 500ms, 60s, 5m, 1h ${env('duration')}`)
    .option('--seed <seed>', `seed for a reproducible stream (default random, printed at the end) ${env('seed')}`)
    .option('--start <time>', `a new bank's simulated start time, ISO 8601 from 2000 to 2099, or "now" (default now) ${env('start')}`)
    .option('--bank-state <file>', `where the bank's seed, options and progress are kept between runs (default ${DEFAULTS.bankState}) ${env('bankState')}`)
    .option('--new-bank', 'start a new bank instead of continuing the one in --bank-state')
    .option('--fraud-rate <rate>', `fraud incidents per 1,000 customers per year, or "demo" for one a simulated minute (default ${DEFAULTS.fraudRate}) ${env('fraudRate')}`)
    .option('--acks <acks>', `all | 1 | 0 (default ${DEFAULTS.acks}) ${env('acks')}`)
    .option('--batch-size <n>', `most messages per produce request (default ${DEFAULTS.batchSize}) ${env('batchSize')}`)
    .option('--max-in-flight <n>', `produce requests awaiting acknowledgement (default ${DEFAULTS.maxInFlight}) ${env('maxInFlight')}`)
    .option('--log-level <level>', `level for ${DEFAULTS.logFile}; every message is logged at info, use warn at high rates (default ${DEFAULTS.logLevel}) ${env('logLevel')}`)
    .option('--log-file <path>', `where to log (default ${DEFAULTS.logFile}) ${env('logFile')}`))
    .action(async (flags: ProduceFlags, command: Command) => {
      let config;
      try {
        config = resolveProducerConfig(flags, mergedEnv(readDotEnv()));
      } catch (error) {
        if (error instanceof ConfigError) command.error(`error: ${error.message}`, { exitCode: 2, code: error.code });
        throw error;
      }
      try {
        await checkBrokersReachable(config.brokers, config.security);
      } catch (error) {
        console.error(`buzzline produce: ${(error as Error).message} (check --brokers / KAFKA_BROKERS)`);
        process.exit(1);
      }
      const { runProducer } = await import('../producer/producer.ts');
      const controller = new AbortController();
      const status = statusLine();
      const done = runProducer(config, controller.signal, { status: (text) => status.update(text), report: (line) => status.line(line, 'stderr') }).then(
        (totals) => {
          status.end();
          console.log(summary(totals, config.topic));
        },
        (error: unknown) => {
          status.end();
          console.error(`buzzline produce: ${(error as Error).message}`);
          process.exitCode = 1;
        },
      );
      // Ctrl+C stops generating, waits for batches in flight (bounded), prints the totals and exits 0.
      onShutdown(() => {
        controller.abort();
        return done;
      });
      await done;
    });
}
