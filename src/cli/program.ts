// The `buzzline` command line as one commander program: one file per subcommand, each exporting a
// Command. main.ts runs it; tests read its help. A subcommand imports the code that does its work (the
// broker, the simulator, the dashboard's web server) when it runs, not when the program is built, so
// that a long-running process such as `buzzline consume --no-dashboard` does not hold the others' code.
import fs from 'node:fs';
import { Command } from 'commander';
import { brokerCommand } from './broker.ts';
import { doctorCommand } from './doctor.ts';
import { startCommand } from './start.ts';
import { consumeCommand } from './consume.ts';
import { dashboardCommand } from './dashboard.ts';
import { groupsCommand } from './groups.ts';
import { produceCommand } from './produce.ts';
import { tailCommand } from './tail.ts';
import { topicsCommand } from './topics.ts';
import { backtestCommand } from './backtest.ts';
import { usersCommand } from './users.ts';

const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buzzlineProgram(): Command {
  return new Command('buzzline')
    .description('Real-time banking-transaction streaming on a Kafka-compatible broker')
    .version(version, '-V, --version', 'print the buzzline version')
    .showHelpAfterError()
    .addCommand(startCommand())
    .addCommand(brokerCommand())
    .addCommand(produceCommand())
    .addCommand(consumeCommand())
    .addCommand(backtestCommand())
    .addCommand(dashboardCommand())
    .addCommand(topicsCommand())
    .addCommand(groupsCommand())
    .addCommand(tailCommand())
    .addCommand(doctorCommand())
    .addCommand(usersCommand());
}
