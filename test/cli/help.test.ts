// Every command's --help, as commander renders it: defaults read as a user would type them, never as the
// parsed value's JSON or "[object Object]" (tail's --offset once showed `{"kind":"end"}`), and a boolean
// flag does not advertise "default: false".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buzzlineProgram } from '../../src/cli/program.ts';

function everyCommand(c: Command): Command[] {
  return [c, ...c.commands.flatMap(everyCommand)];
}

test('no command shows a default as JSON, an object or "false"', () => {
  const commands = everyCommand(buzzlineProgram());
  assert.ok(commands.length >= 12, `the program's commands: ${commands.map((c) => c.name()).join(', ')}`);
  for (const c of commands) {
    // Long lines wrap: join them so that a default split over two lines is still seen whole.
    const help = c.helpInformation().replace(/\n\s+/g, ' ');
    assert.doesNotMatch(help, /default: [{[]|\[object|default: false\)/, `buzzline ${c.name()} --help:\n${c.helpInformation()}`);
  }
});

test("tail's --offset default reads as the word a user types", () => {
  const tail = buzzlineProgram().commands.find((c) => c.name() === 'tail');
  assert.ok(tail);
  assert.match(tail.helpInformation().replace(/\n\s+/g, ' '), /-N for the last N of each partition \(default: end\)/);
});
