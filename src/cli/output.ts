import type { Command } from 'commander';

/** How a command shows its result: JSON on stdout for scripts, or lines for people. */
export interface Output {
  json: boolean;
  /** Whether progress may be drawn in place (stderr is a terminal and no --json). */
  live: boolean;
  /** The result: `value` as JSON with --json, else `human()`'s lines. */
  result(value: unknown, human: () => string): void;
  /** A note for people on stderr; nothing with --json. */
  note(text: string): void;
}

export function outputOf(command: Command): Output {
  const json = Boolean(command.optsWithGlobals().json);
  return {
    json,
    live: !json && process.stderr.isTTY === true && process.env.TERM !== 'dumb',
    result(value, human) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
    },
    note(text) {
      if (!json) process.stderr.write(`${text}\n`);
    },
  };
}

/** Columns padded to their widest cell, for listings. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]!.length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** "1 image", "3 images": a count with its noun, plural unless the count is one. */
export const countOf = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
