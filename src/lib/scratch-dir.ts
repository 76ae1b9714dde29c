import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from './is-running.ts';

/**
 * This process's own scratch folder under `parent`, `<parent>/<pid>`, made empty. What else is
 * there is removed unless it is the folder of a process that runs: a process killed mid-work
 * leaves its scratch files behind, while processes that share a data directory (an api and
 * workers on one machine) must never remove one another's files in use.
 */
export function ownScratchDir(parent: string): string {
  mkdirSync(parent, { recursive: true });
  for (const name of readdirSync(parent)) {
    const pid = /^[1-9]\d*$/.test(name) ? Number(name) : null;
    if (pid === null || pid === process.pid || !isRunning(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const own = join(parent, String(process.pid));
  mkdirSync(own);
  return own;
}
