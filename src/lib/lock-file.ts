import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isRunning } from './is-running.ts';

/** Either the lock is this process's until release(), or `holder` is the pid of the running process that has it. */
export type LockFileResult = { release(): void } | { holder: number };

// Lock files this process holds: its own pid in one of them is no leftover of an earlier run.
const held = new Set<string>();

/** The pid written in a lock file; null when there is no file or no pid in it. */
function pidIn(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * The pid of the running process that holds the lock file, or null when none does: no file, or
 * one left by a process that is gone (killed with SIGKILL, say; a reused pid that is this
 * process's own counts as gone, as when a container starts again).
 */
export function lockHolder(path: string): number | null {
  const pid = pidIn(path);
  if (pid === null || (pid === process.pid && !held.has(path))) return null;
  return isRunning(pid) ? pid : null;
}

/**
 * Takes the lock file at `path`, which then holds this process's pid, unless a running process
 * holds it. A file left by a process that is gone is taken over. The file appears at once with
 * its content (a hard link to one written first), so another process never reads it empty.
 */
export function lockFile(path: string): LockFileResult {
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, `${process.pid}\n`);
  try {
    for (;;) {
      try {
        linkSync(mine, path);
        held.add(path);
        return { release: () => release(path) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = lockHolder(path);
      if (holder !== null) return { holder };
      removeLeftover(path, pidIn(path), `${mine}.left`);
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Removes a lock file left with pid `left`. It is moved aside first and put back if it turns
 * out to be another starter's, which took over the same leftover meanwhile.
 */
function removeLeftover(path: string, left: number | null, aside: string): void {
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (pidIn(aside) !== left) {
    try {
      linkSync(aside, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  rmSync(aside, { force: true });
}

function release(path: string): void {
  held.delete(path);
  if (pidIn(path) === process.pid) rmSync(path, { force: true });
}
