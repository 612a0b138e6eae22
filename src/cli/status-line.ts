// The one status line a command keeps at the bottom of the terminal, and the lines (alerts, problems)
// printed above it. Every line goes through here so an alert never ends up glued onto the status text:
// the status line is cleared, the line written, the status redrawn.
//
// Under `buzzline start` (SUPERVISED_ENV set, IPC channel open) a part draws nothing itself: it sends
// its status text to `start`, which combines the parts into a single line, and prints its lines on
// stdout/stderr as usual, which `start` reads line by line.

export const SUPERVISED_ENV = 'BUZZLINE_SUPERVISED';

export interface StatusMessage {
  status: string;
}

export interface StatusLine {
  update(text: string): void; // replaces the status text
  line(text: string, to?: 'stdout' | 'stderr'): void; // a whole line above the status
  end(): void; // leaves the last status text on its own line
}

export function supervised(): boolean {
  return process.env[SUPERVISED_ENV] === '1' && typeof process.send === 'function';
}

// The status line for this process: to the supervisor, to a terminal, or nowhere (logs and pipes only
// get the lines).
export function statusLine(): StatusLine {
  if (supervised()) {
    return {
      update: (text) => process.send?.({ status: text } satisfies StatusMessage),
      line: (text, to = 'stdout') => process[to].write(`${text}\n`),
      end: () => {},
    };
  }
  if (process.stderr.isTTY) return new TerminalStatus(process.stderr, process.stdout);
  return {
    update: () => {},
    line: (text, to = 'stdout') => process[to].write(`${text}\n`),
    end: () => {},
  };
}

export class TerminalStatus implements StatusLine {
  private text = '';
  private readonly terminal: NodeJS.WriteStream;
  private readonly out: NodeJS.WritableStream;

  constructor(terminal: NodeJS.WriteStream, out: NodeJS.WritableStream) {
    this.terminal = terminal;
    this.out = out;
  }

  update(text: string): void {
    // A line wider than the terminal wraps, and \r then only returns to the start of its last row.
    const width = this.terminal.columns > 1 ? this.terminal.columns - 1 : 200;
    this.text = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.terminal.write(`\r\x1b[2K${this.text}`);
  }

  line(text: string, to: 'stdout' | 'stderr' = 'stdout'): void {
    this.terminal.write('\r\x1b[2K');
    (to === 'stderr' ? this.terminal : this.out).write(`${text}\n`);
    if (this.text !== '') this.terminal.write(this.text);
  }

  end(): void {
    if (this.text !== '') this.terminal.write('\n');
    this.text = '';
  }
}
