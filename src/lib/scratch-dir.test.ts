import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownScratchDir } from './scratch-dir.ts';

let parent: string;
afterEach(async () => rm(parent, { recursive: true, force: true }));

/** The pid of a process that ran and is gone. */
async function goneProcessPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  return child.pid!;
}

describe('ownScratchDir', () => {
  it("empties this process's folder and those of processes that are gone, and keeps a running process's files", async () => {
    parent = await mkdtemp(join(tmpdir(), 'strata-scratch-'));
    // A process that runs (this one's parent: the test runner) and one killed mid-work.
    const running = join(parent, String(process.ppid));
    const gone = join(parent, String(await goneProcessPid()));
    const own = join(parent, String(process.pid));
    for (const dir of [running, gone, own]) {
      await mkdir(dir);
      await writeFile(join(dir, 'frame.jpg'), 'frame');
    }
    await writeFile(join(parent, 'loose.part'), 'left by an older layout');

    expect(ownScratchDir(parent)).toBe(own);
    expect((await readdir(parent)).sort()).toEqual([String(process.pid), String(process.ppid)].sort());
    expect(await readdir(running)).toEqual(['frame.jpg']);
    expect(await readdir(own)).toEqual([]);
  });
});
