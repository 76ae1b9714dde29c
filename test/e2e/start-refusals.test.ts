import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/folders.ts';
import { startServerProcess } from '../helpers/server-process.ts';

/** Starts that must stop before they touch anything, each a real `npm start` process. */
let root: string;

beforeAll(async () => {
  root = await tempDir('strata-refusals-');
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** How a start that must not succeed ended: the helper's error, with its exit code and output tail. */
async function refusal(started: Promise<unknown>): Promise<string> {
  const outcome = await started.then(
    () => 'started',
    (err: Error) => err.message,
  );
  expect(outcome).not.toBe('started');
  return outcome;
}

describe('an import root that is not there', () => {
  it('stops the start with a configuration error naming STRATA_IMPORT_ROOTS and the folder', async () => {
    const present = join(root, 'photos');
    await mkdir(present);
    const missing = join(root, 'no-such-folder');
    const message = await refusal(startServerProcess({ dataDir: join(root, 'roots'), importRoots: [present, missing] }));
    expect(message).toContain('(code 2, signal null)');
    expect(message).toContain(`strata: configuration error: STRATA_IMPORT_ROOTS: no folder at ${missing}`);
  }, 60_000);
});
