import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/folders.ts';
import { listFiles } from './upload-plan.ts';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('strata-upload-plan-');
  await mkdir(join(dir, 'trip', 'day 1'), { recursive: true });
  for (const name of ['a.jpg', 'B.MOV', 'notes.txt', 'a.jpg.xmp', '.hidden.jpg', 'image_annotations.csv', 'day 1/c.png', 'day 1/Thumbs.db', 'day 1/annotations.json']) {
    await writeFile(join(dir, 'trip', name), 'x');
  }
  await writeFile(join(dir, 'readme.txt'), 'x');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('listFiles', () => {
  it('takes the media and annotation files of a folder, as the server does from a folder, and says what it left out', async () => {
    const { files, skipped } = await listFiles([join(dir, 'trip')]);
    expect(files.map((f) => f.relativeName)).toEqual(['trip/B.MOV', 'trip/a.jpg', 'trip/day 1/annotations.json', 'trip/day 1/c.png', 'trip/image_annotations.csv']);
    expect(skipped).toEqual(['trip/a.jpg.xmp', 'trip/day 1/Thumbs.db', 'trip/notes.txt']);
  });

  it('takes a file named by itself whatever its type', async () => {
    const { files, skipped } = await listFiles([join(dir, 'readme.txt')]);
    expect(files.map((f) => f.relativeName)).toEqual(['readme.txt']);
    expect(skipped).toEqual([]);
  });
});
