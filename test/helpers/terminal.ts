// A command on a real pseudo-terminal (Python's pty module, Debian's python3): what a user at a terminal
// sees, status-line redraws included, and a Ctrl+C typed at it (the terminal sends SIGINT to the
// foreground process group, exactly as in a shell).

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { PYTHON, track } from './processes.ts';

const CLEAR_ROW = '\x1b[2K';
const STATUS_DRAW = new RegExp(`\r${CLEAR_ROW.replace('[', '\\[')}([^\r\n]*)(?=\r(?!\n)|$)`, 'g');
const PTY = 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)';

export interface Terminal {
  child: ChildProcess;
  output(): string; // everything written to the terminal so far
  ctrlC(): void;
  exited: Promise<number | null>;
}

export function onTerminal(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Terminal {
  const child = track(spawn(PYTHON, ['-c', PTY, ...args], { cwd: opts.cwd, env: { ...(opts.env ?? process.env), COLUMNS: '400', LINES: '50' }, stdio: ['pipe', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, ctrlC: () => child.stdin?.write('\x03'), exited };
}

// The rows a terminal would show for the output: a row ends at \n; within a row, \r returns to its
// start and ESC[2K clears it, so a row shows what was written after its last \r.
export function visibleRows(output: string): string[] {
  return output.split('\n').map((row) => row.replace(/\r+$/, '')).map((row) => (row.split('\r').at(-1) ?? '').replaceAll(CLEAR_ROW, ''));
}

// Every text a status redraw ("\r ESC[2K text", not ended by a newline, which the terminal shows as
// \r\n) put on the screen, in order.
export function statusDraws(output: string): string[] {
  return [...output.matchAll(STATUS_DRAW)].map((m) => m[1] ?? '').filter((t) => t !== '');
}
