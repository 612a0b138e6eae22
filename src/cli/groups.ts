// `buzzline groups [GROUP...]`: consumer groups with their state, members and lag per partition (what
// `kafka-consumer-groups --describe` shows): committed offset, log end offset, lag and the member that
// owns the partition. --json prints the whole view.

import { Command } from 'commander';
import { ClusterOverview } from '../dashboard/cluster-overview.ts';
import { describeKafkaError } from '../kafka-errors.ts';
import { reachableOrReport } from './brokers-reachable.ts';
import type { SecurityFlags } from '../kafka-security.ts';
import { addSecurityOptions, brokersOption, clientSecurity } from './options.ts';
import { table } from './table.ts';

interface GroupsFlags extends SecurityFlags {
  brokers: string[];
  json?: boolean;
}

export function groupsCommand(): Command {
  return addSecurityOptions(new Command('groups')
    .description('list consumer groups with their lag per partition (like kafka-consumer-groups --describe)')
    .argument('[group...]', 'only these groups (default: all)')
    .addOption(brokersOption())
    .option('--json', 'the whole view as JSON'))
    .action(async (only: string[], flags: GroupsFlags, command: Command) => {
      const security = clientSecurity(flags, command).connection;
      if (!(await reachableOrReport('groups', flags.brokers, security))) return;
      const overview = new ClusterOverview({ brokers: flags.brokers, security, clientId: 'buzzline-groups' });
      try {
        const { offsets } = await overview.topics();
        const all = (await overview.groups(offsets)).groups;
        const groups = only.length === 0 ? all : all.filter((g) => only.includes(g.groupId));
        const unknown = only.filter((id) => !all.some((g) => g.groupId === id));
        if (unknown.length > 0) {
          console.error(`buzzline groups: no such group: ${unknown.join(', ')}`);
          process.exitCode = 1;
        }
        if (flags.json) {
          console.log(JSON.stringify(groups.map(({ ratePerSec: _, ...g }) => g), null, 2));
          return;
        }
        if (only.length === 0) console.log(`${groups.length} group(s)`);
        for (const g of groups) {
          console.log(`\n${g.groupId}: ${g.state}, ${g.members} member(s), protocol ${g.protocol || '-'}, total lag ${g.totalLag}`);
          if (g.partitions.length === 0) continue;
          const rows = g.partitions.map((p) => [p.topic, p.partition, p.committed ?? '-', Number(p.latest), Number(p.lag), p.owner ?? '-']);
          console.log(table(['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'OWNER'], rows));
        }
      } catch (error) {
        console.error(`buzzline groups: ${describeKafkaError(error)}`);
        process.exitCode = 1;
      } finally {
        await overview.close();
      }
    });
}
