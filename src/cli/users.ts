// `buzzline users add|remove|list`: the broker's SASL users file (src/broker/security/users-file.ts).
// `add` reads the password from BUZZLINE_USER_PASSWORD or from standard input (first line), never from
// the command line (it would show in the process list and the shell history), and stores only salted
// SCRAM verifiers; the same entry verifies SASL/PLAIN logins. A running broker picks changes up at the
// next login.

import { Command, InvalidArgumentError, Option } from 'commander';
import { readUsers, UsersFileError, writeUsers } from '../broker/security/users-file.ts';
import { DEFAULT_ITERATIONS, scramCredential, SCRAM_MECHANISMS, validIterations } from '../broker/security/scram.ts';
import type { ScramMechanism } from '../broker/security/scram.ts';

export const PASSWORD_ENV = 'BUZZLINE_USER_PASSWORD';

function fileOption(): Option {
  return new Option('--file <file>', 'the users file (the broker\'s --sasl-users)').env('BROKER_SASL_USERS').makeOptionMandatory();
}

function scramList(raw: string): ScramMechanism[] {
  const out: ScramMechanism[] = [];
  for (const name of raw.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '')) {
    const mechanism = SCRAM_MECHANISMS.find((m) => m === name);
    if (!mechanism) throw new InvalidArgumentError(`expected ${SCRAM_MECHANISMS.join(' and/or ')}, got "${name}"`);
    if (!out.includes(mechanism)) out.push(mechanism);
  }
  if (out.length === 0) throw new InvalidArgumentError(`expected ${SCRAM_MECHANISMS.join(' and/or ')}`);
  return out;
}

function iterations(raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!validIterations(n)) throw new InvalidArgumentError('expected a whole number from 4096 to 1000000');
  return n;
}

// The users file refuses a user without a name (users-file.ts), so saving one would leave a file that
// neither these commands nor the broker can read any more.
function userName(raw: string): string {
  if (raw === '') throw new InvalidArgumentError('a user name cannot be empty');
  return raw;
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('password (input is shown; pipe it in or set BUZZLINE_USER_PASSWORD to avoid that): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if ((chunk as Buffer).includes(10)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function fail(command: Command, error: unknown): never {
  if (error instanceof UsersFileError) command.error(`error: ${error.message}`, { exitCode: 1 });
  throw error;
}

export function usersCommand(): Command {
  const users = new Command('users').description('manage the SASL users of the embedded broker (--sasl-users file)');
  users
    .command('add')
    .description(`add a user or change its password (read from ${PASSWORD_ENV} or the first line of stdin)`)
    .argument('<name>', 'user name', userName)
    .addOption(fileOption())
    .addOption(new Option('--mechanisms <list>', 'SCRAM credentials to store').argParser(scramList).default([...SCRAM_MECHANISMS], SCRAM_MECHANISMS.join(',')))
    .option('--iterations <n>', 'PBKDF2 iterations', iterations, DEFAULT_ITERATIONS)
    .action(async (name: string, flags: { file: string; mechanisms: ScramMechanism[]; iterations: number }, command: Command) => {
      const password = await readPassword();
      if (password === '') command.error('error: empty password', { exitCode: 2 });
      try {
        const all = readUsers(flags.file, true);
        all.set(name, Object.fromEntries(flags.mechanisms.map((m) => [m, scramCredential(m, password, flags.iterations)])));
        writeUsers(flags.file, all);
      } catch (error) {
        fail(command, error);
      }
      console.log(`user "${name}" saved in ${flags.file} (${flags.mechanisms.join(', ')}; PLAIN logins verify against the same)`);
    });
  users
    .command('remove')
    .description('remove a user')
    .argument('<name>', 'user name')
    .addOption(fileOption())
    .action((name: string, flags: { file: string }, command: Command) => {
      try {
        const all = readUsers(flags.file);
        if (!all.delete(name)) command.error(`error: no user "${name}" in ${flags.file}`, { exitCode: 1 });
        writeUsers(flags.file, all);
      } catch (error) {
        fail(command, error);
      }
      console.log(`user "${name}" removed from ${flags.file}`);
    });
  users
    .command('list')
    .description('list the users and their mechanisms')
    .addOption(fileOption())
    .action((flags: { file: string }, command: Command) => {
      try {
        for (const [name, creds] of readUsers(flags.file)) console.log(`${name}\t${Object.keys(creds).join(',')}`);
      } catch (error) {
        fail(command, error);
      }
    });
  return users;
}
