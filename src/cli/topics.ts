// `buzzline topics`: the cluster's brokers and topics with their partitions and message counts, one
// look through the Admin API (what `kcat -L` shows, plus the offsets). --partitions adds a row per
// partition, --json prints the whole view.

import { Command } from 'commander';
import { ClusterOverview } from '../dashboard/cluster-overview.ts';
import { describeKafkaError } from '../kafka-errors.ts';
import { reachableOrReport } from './brokers-reachable.ts';
import type { SecurityFlags } from '../kafka-security.ts';
import { addSecurityOptions, brokersOption, clientSecurity } from './options.ts';
import { table } from './table.ts';

interface TopicsFlags extends SecurityFlags {
  brokers: string[];
  partitions?: boolean;
  json?: boolean;
}

export function topicsCommand(): Command {
  return addSecurityOptions(new Command('topics')
    .description('list topics: partitions, messages and offsets (like kcat -L)')
    .addOption(brokersOption())
    .option('--partitions', 'a row per partition: leader, earliest and latest offset')
    .option('--json', 'the whole view as JSON'))
    .action(async (flags: TopicsFlags, command: Command) => {
      const security = clientSecurity(flags, command).connection;
      if (!(await reachableOrReport('topics', flags.brokers, security))) return;
      const overview = new ClusterOverview({ brokers: flags.brokers, security, clientId: 'buzzline-topics' });
      try {
        const { view } = await overview.topics();
        if (flags.json) {
          console.log(JSON.stringify({ clusterId: view.clusterId, controllerId: view.controllerId, brokers: view.brokers, topics: view.topics.map(({ ratePerSec: _, ...t }) => t) }, null, 2));
          return;
        }
        console.log(`cluster ${view.clusterId ?? '-'}: ${view.brokers.map((b) => `broker ${b.nodeId} at ${b.host}:${b.port}${b.nodeId === view.controllerId ? ' (controller)' : ''}`).join(', ')}`);
        console.log(`${view.topics.length} topic(s)`);
        if (view.topics.length === 0) return;
        if (flags.partitions) {
          const rows = view.topics.flatMap((t) => t.partitions.map((p) => [t.name, p.partition, p.leader, Number(p.earliest), Number(p.latest), Number(p.messages)]));
          console.log(table(['TOPIC', 'PARTITION', 'LEADER', 'EARLIEST', 'LATEST', 'MESSAGES'], rows));
        } else {
          console.log(table(['TOPIC', 'PARTITIONS', 'MESSAGES'], view.topics.map((t) => [t.name, t.partitions.length, Number(t.messages)])));
        }
      } catch (error) {
        console.error(`buzzline topics: ${describeKafkaError(error)}`);
        process.exitCode = 1;
      } finally {
        await overview.close();
      }
    });
}
