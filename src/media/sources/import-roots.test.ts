import { mkdir, mkdtemp, realpath, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importRootsCheck } from './import-roots.ts';

describe('importRootsCheck', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'strata-roots-')));
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('accepts real paths inside a root, through a symlinked root too, and nothing else', async () => {
    await symlink(join(dir, 'b'), join(dir, 'link'));
    const inside = importRootsCheck([join(dir, 'a'), join(dir, 'link')]);
    expect(await inside(join(dir, 'a', 'x.jpg'))).toBe(true);
    expect(await inside(join(dir, 'b', 'sub', 'y.jpg'))).toBe(true);
    expect(await inside(join(dir, 'ab', 'x.jpg'))).toBe(false);
    expect(await inside(join(dir, 'c.jpg'))).toBe(false);
  });

  it('sees a root that appears after the first check without waiting', async () => {
    const inside = importRootsCheck([join(dir, 'later')], 60_000);
    expect(await inside(join(dir, 'later', 'x.jpg'))).toBe(false);
    await mkdir(join(dir, 'later'));
    expect(await inside(join(dir, 'later', 'x.jpg'))).toBe(true);
  });

  it('follows a re-pointed root once its resolution is older than maxAgeMs', async () => {
    await symlink(join(dir, 'a'), join(dir, 'link'));
    const inside = importRootsCheck([join(dir, 'link')], 200);
    expect(await inside(join(dir, 'a', 'x.jpg'))).toBe(true);
    await unlink(join(dir, 'link'));
    await symlink(join(dir, 'b'), join(dir, 'link'));
    // Within maxAgeMs the old target still counts (the resolution is cached); a path under the
    // new one is found by the immediate re-check.
    expect(await inside(join(dir, 'a', 'x.jpg'))).toBe(true);
    expect(await inside(join(dir, 'b', 'x.jpg'))).toBe(true);
    await new Promise((r) => setTimeout(r, 250));
    expect(await inside(join(dir, 'a', 'x.jpg'))).toBe(false);
  });
});
