// `buzzline broker`: run the embedded Kafka-compatible broker until SIGINT/SIGTERM.

import { Command, Option } from 'commander';
import { DEFAULT_BROKER_CONFIG } from '../broker/context.ts';
import { SASL_MECHANISMS, SECURITY_PROTOCOLS } from '../kafka-security.ts';
import type { SaslMechanism, SecurityProtocol } from '../kafka-security.ts';
import { createLogger } from '../logging.ts';
import { hostName, integer, listenFailure, onShutdown, port, saslMechanismList } from './options.ts';

const ORPHANED_CLIENTS_WAIT_MS = 3000;

interface BrokerFlags {
  host: string;
  port: number;
  advertisedHost?: string;
  dataDir: string;
  defaultPartitions: number;
  autoCreateTopics: boolean;
  maxFrameBytes: number;
  maxTopics: number;
  maxPartitions: number;
  maxBufferedRequestBytes: number;
  maxFetchBytes: number;
  frameTimeoutMs: number;
  idleTimeoutMs: number;
  securityProtocol: SecurityProtocol;
  tlsCert?: string;
  tlsKey?: string;
  saslMechanisms: SaslMechanism[];
  saslUsers?: string;
  logLevel: string;
}

export function brokerCommand(): Command {
  const d = DEFAULT_BROKER_CONFIG;
  return new Command('broker')
    .description('run the embedded Kafka-compatible broker (single node, persists to disk)')
    .option('--host <host>', 'address to bind', hostName, d.host)
    .option('--port <port>', 'port to listen on (0 = any free port)', port, d.port)
    .option('--advertised-host <host>', 'host name given to clients in metadata (default: --host)', hostName)
    .option('--data-dir <dir>', 'where topics are stored', d.dataDir)
    .option('--default-partitions <n>', 'partitions of auto-created topics', integer(1, 10_000), d.defaultPartitions)
    .option('--no-auto-create-topics', 'do not create unknown topics on metadata requests')
    .option('--max-topics <n>', 'topics clients may create, by CreateTopics or auto-creation', integer(1, 1_000_000), d.maxTopics)
    .option('--max-partitions <n>', 'partitions of those topics together', integer(1, 10_000_000), d.maxPartitions)
    .option('--max-frame-bytes <n>', 'largest request accepted', integer(1024, 2 ** 31 - 1), d.maxFrameBytes)
    .option('--max-buffered-request-bytes <n>', 'request bytes all connections may hold at once', integer(1024, Number.MAX_SAFE_INTEGER), d.maxBufferedRequestBytes)
    .option('--max-fetch-bytes <n>', 'largest fetch response (clamps max_bytes)', integer(1024, 2 ** 31 - 1), d.maxFetchResponseBytes)
    .option('--frame-timeout-ms <ms>', 'close a connection whose request frame is not complete in time', integer(1, 2 ** 31 - 1), d.frameTimeoutMs)
    .option('--idle-timeout-ms <ms>', 'close a connection idle this long', integer(1, 2 ** 31 - 1), d.idleTimeoutMs)
    .addOption(new Option('--security-protocol <protocol>', 'what clients must use: TLS (SSL), a SASL login (SASL_PLAINTEXT) or both (SASL_SSL)').choices(SECURITY_PROTOCOLS).env('BROKER_SECURITY_PROTOCOL').default(d.securityProtocol))
    .addOption(new Option('--tls-cert <file>', 'TLS certificate chain, PEM (SSL, SASL_SSL)').env('BROKER_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'private key of --tls-cert, PEM, unencrypted (SSL, SASL_SSL)').env('BROKER_TLS_KEY'))
    .addOption(new Option('--sasl-mechanisms <list>', `SASL mechanisms offered, comma-separated: ${SASL_MECHANISMS.join(', ')}`).env('BROKER_SASL_MECHANISMS').argParser(saslMechanismList).default(d.saslMechanisms, d.saslMechanisms.join(',')))
    .addOption(new Option('--sasl-users <file>', 'users file with SCRAM credentials (create with `buzzline users add`)').env('BROKER_SASL_USERS'))
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(process.env.LOG_LEVEL ?? 'info'))
    .action(async (flags: BrokerFlags) => {
      const logger = createLogger('broker', { level: flags.logLevel });
      const { Broker } = await import('../broker/server.ts');
      let broker: Awaited<ReturnType<typeof Broker.start>>;
      try {
        broker = await Broker.start({
          host: flags.host,
          port: flags.port,
          advertisedHost: flags.advertisedHost ?? null,
          dataDir: flags.dataDir,
          defaultPartitions: flags.defaultPartitions,
          autoCreateTopics: flags.autoCreateTopics,
          maxFrameBytes: flags.maxFrameBytes,
          maxTopics: flags.maxTopics,
          maxPartitions: flags.maxPartitions,
          maxBufferedRequestBytes: flags.maxBufferedRequestBytes,
          maxFetchResponseBytes: flags.maxFetchBytes,
          frameTimeoutMs: flags.frameTimeoutMs,
          idleTimeoutMs: flags.idleTimeoutMs,
          securityProtocol: flags.securityProtocol,
          tlsCertFile: flags.tlsCert ?? null,
          tlsKeyFile: flags.tlsKey ?? null,
          saslMechanisms: flags.saslMechanisms,
          saslUsersFile: flags.saslUsers ?? null,
          logger,
        });
      } catch (err) {
        console.error(`buzzline broker: ${listenFailure(err, flags.host, flags.port, '--port')}`);
        process.exit(1);
      }
      // Orphaned with the other parts of `buzzline start`: the processor commits and leaves the group, and
      // the producer flushes, before the broker goes (as start's own orderly stop would have it).
      onShutdown(async (reason) => {
        if (reason === 'orphaned') await broker.clientsGone(ORPHANED_CLIENTS_WAIT_MS);
        await broker.close();
      });
    });
}
