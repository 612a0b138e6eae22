// `buzzline dashboard`: the live dashboard on its own, reading bank_metrics and bank_alerts_high (and
// cluster metadata) without processing anything, for when several `buzzline consume --no-dashboard`
// processors share the work and one page should show them all.

import { Command, Option } from 'commander';
import { createLogger } from '../logging.ts';
import { resolveToken, urlWithToken } from '../dashboard/access.ts';
import { METRICS_HISTORY_RECORDS } from '../dashboard/topic-reader.ts';
import { mergedEnv, readDotEnv } from '../producer/config.ts';
import { checkBrokersReachable } from './brokers-reachable.ts';
import type { SecurityFlags } from '../kafka-security.ts';
import { addSecurityOptions, ALLOWED_HOSTS_HELP, brokersOption, clientSecurity, hostList, hostName, integer, listenFailure, onShutdown, port, TOKEN_HELP } from './options.ts';

interface DashboardFlags extends SecurityFlags {
  brokers: string[];
  host: string;
  port: number;
  history: number;
  logLevel: string;
  allowedHosts?: string[];
  token?: string;
}

export function dashboardCommand(): Command {
  return addSecurityOptions(new Command('dashboard')
    .description('serve the live dashboard from bank_metrics and bank_alerts_high (reads topics only)')
    .addOption(brokersOption())
    .option('--host <host>', 'address to bind; anything but loopback exposes the dashboard to the network', hostName, '127.0.0.1')
    .option('--port <port>', 'HTTP port (0 = any free port)', port, 8080)
    .option('--allowed-hosts <names>', ALLOWED_HOSTS_HELP, hostList)
    .option('--token <token>', TOKEN_HELP)
    .option('--history <records>', 'bank_metrics records per partition re-read on start to rebuild recent history', integer(0, 1_000_000), METRICS_HISTORY_RECORDS)
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(process.env.LOG_LEVEL ?? 'info')))
    .action(async (flags: DashboardFlags, command: Command) => {
      const security = clientSecurity(flags, command).connection;
      const logger = createLogger('dashboard', { level: flags.logLevel });
      let dashboard;
      try {
        await checkBrokersReachable(flags.brokers, security);
      } catch (error) {
        console.error(`buzzline dashboard: ${(error as Error).message} (check --brokers / KAFKA_BROKERS)`);
        process.exit(1);
      }
      try {
        const { startDashboard } = await import('../dashboard/server.ts');
        dashboard = await startDashboard({
          brokers: flags.brokers, security, host: flags.host, port: flags.port, metricsHistoryRecords: flags.history, logger,
          allowedHosts: flags.allowedHosts ?? [], token: resolveToken(flags.host, flags.token, mergedEnv(readDotEnv())),
        });
      } catch (error) {
        console.error(`buzzline dashboard: ${listenFailure(error, flags.host, flags.port, '--port')}`);
        process.exit(1);
      }
      console.log(`dashboard on ${urlWithToken(dashboard.url, dashboard.token)} (brokers ${flags.brokers.join(',')})`);
      onShutdown(() => dashboard.close());
    });
}
