import { execFile } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A small file system of its own, for tests of what happens when the disk is full. */
export interface SmallDisk {
  /** Where it is mounted. */
  dir: string;
  /** Writes a file that takes every free byte. */
  fill(): void;
  /** Deletes that file. */
  free(): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `sizeMb`, or else a loop-mounted ext4 image (both need root). When neither
 * can be mounted, returns why, for the test to skip with that message.
 */
export async function mountSmallDisk(sizeMb: number): Promise<SmallDisk | { skipReason: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-small-disk-'));
  const image = `${dir}.img`;
  let mounted = false;
  const problems: string[] = [];
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
    mounted = true;
  } catch (err) {
    problems.push(`tmpfs: ${errorText(err)}`);
  }
  if (!mounted) {
    try {
      await run('truncate', ['-s', `${sizeMb}M`, image]);
      await run('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
      await run('mount', ['-o', 'loop', image, dir]);
      mounted = true;
    } catch (err) {
      problems.push(`loop-mounted ext4: ${errorText(err)}`);
      await rm(image, { force: true });
    }
  }
  if (!mounted) {
    await rm(dir, { recursive: true, force: true });
    return { skipReason: `no small disk could be mounted (it needs root): ${problems.join('; ')}` };
  }
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        // Large writes, then small ones for the last bytes; each ends at the first ENOSPC.
        for (const size of [1 << 20, 4096, 1]) {
          const chunk = Buffer.alloc(size, 0x5a);
          try {
            for (;;) writeSync(fd, chunk);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free: () => rm(filler, { force: true }),
    async unmount() {
      // Lazy: a server's worker still closing a file must not leave the mount behind.
      await run('umount', ['-l', dir]);
      await rm(dir, { recursive: true, force: true });
      await rm(image, { force: true });
    },
  };
}

function errorText(err: unknown): string {
  const { stderr, message } = err as { stderr?: string; message?: string };
  return (stderr || message || String(err)).trim();
}
