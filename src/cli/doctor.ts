// `buzzline doctor`: check a broker (embedded or a real cluster) step by step and print what works.

import { Command } from 'commander';
import { runDoctor } from '../doctor/doctor.ts';
import { parseBrokerList } from '../kafka-brokers.ts';
import type { SecurityFlags } from '../kafka-security.ts';
import { addSecurityOptions, brokerList, clientSecurity, integer } from './options.ts';

export function doctorCommand(): Command {
  return addSecurityOptions(new Command('doctor')
    .description('check a Kafka broker: API versions, metadata, produce/consume round trip, group join')
    .option('--brokers <list>', 'bootstrap brokers, host:port[,host:port] (default localhost:9092) [env KAFKA_BROKERS]', brokerList)
    .option('--timeout <ms>', 'time allowed for each check', integer(100, 600_000), 15_000))
    .action(async (flags: SecurityFlags & { brokers?: string[]; timeout: number }, cmd: Command) => {
      const { protocol, connection: security } = clientSecurity(flags, cmd);
      let brokers = flags.brokers;
      if (!brokers) {
        try {
          brokers = parseBrokerList(process.env.KAFKA_BROKERS ?? 'localhost:9092');
        } catch (err) {
          cmd.error(`error: KAFKA_BROKERS is invalid: ${(err as Error).message}`);
        }
      }
      console.log(`buzzline doctor: checking ${brokers.join(', ')} (${protocol})`);
      const results = await runDoctor({
        brokers,
        security,
        timeoutMs: flags.timeout,
        onResult: (r) => console.log(`${r.ok ? '✔' : '✖'} ${r.name.padEnd(48)} ${r.detail} (${r.ms} ms)`),
      });
      const failed = results.filter((r) => !r.ok).length;
      console.log(failed === 0 ? 'all checks passed' : `${failed} check(s) failed`);
      process.exitCode = failed === 0 ? 0 : 1;
    });
}
