// `buzzline` command line: one file per subcommand, each exporting a commander Command.
import { Command } from 'commander';
import { brokerCommand } from './broker.ts';
import { produceCommand } from './produce.ts';

const program = new Command('buzzline')
  .description('Real-time banking-transaction streaming on a Kafka-compatible broker')
  .showHelpAfterError()
  .addCommand(brokerCommand())
  .addCommand(produceCommand());

await program.parseAsync(process.argv);
