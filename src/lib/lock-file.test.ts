import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockFile, lockHolder } from './lock-file.ts';

describe('lockFile', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-lock-'));
    path = join(dir, 'strata.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const taken = (result: ReturnType<typeof lockFile>) => {
    if ('holder' in result) throw new Error(`held by pid ${result.holder}`);
    return result;
  };

  it('holds this process’s pid until release, refusing a second take meanwhile, and leaves nothing behind', () => {
    const lock = taken(lockFile(path));
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    expect(lockFile(path)).toEqual({ holder: process.pid });
    expect(lockHolder(path)).toBe(process.pid);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
    expect(lockHolder(path)).toBeNull();
    taken(lockFile(path)).release();
  });

  it('refuses a lock a running process holds, leaving its file as it was', () => {
    writeFileSync(path, `${process.ppid}\n`);
    expect(lockFile(path)).toEqual({ holder: process.ppid });
    expect(readdirSync(dir)).toEqual(['strata.lock']);
    expect(readFileSync(path, 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('takes over a lock left by a process that is gone, by an earlier run with this pid, or with no pid in it', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    for (const left of [`${gone}\n`, `${process.pid}\n`, '', 'garbage']) {
      writeFileSync(path, left);
      expect(lockHolder(path)).toBeNull();
      const lock = taken(lockFile(path));
      expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
      lock.release();
      expect(existsSync(path)).toBe(false);
    }
  });
});
