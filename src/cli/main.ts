// `buzzline` command line: parses the arguments and runs the subcommand they name.
import { buzzlineProgram } from './program.ts';

await buzzlineProgram().parseAsync(process.argv);
