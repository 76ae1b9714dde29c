import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/folders.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

/**
 * Starts that must stop before they touch anything, each a real `npm start` process: a second
 * Strata on a data directory another one runs on (on another port), and a configuration that
 * names an import root that is not there.
 */
let root: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  root = await tempDir('strata-refusals-');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  if (root) await rm(root, { recursive: true, force: true });
});

async function start(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServerProcess({ dataDir, env });
  servers.push(server);
  return server;
}

/** How a start that must not succeed ended: the helper's error, with its exit code and output tail. */
async function refusal(started: Promise<unknown>): Promise<string> {
  const outcome = await started.then(
    () => 'started',
    (err: Error) => err.message,
  );
  expect(outcome).not.toBe('started');
  return outcome;
}

describe('a second Strata on a data directory in use', () => {
  it('stops with a message naming the directory and the running one’s pid, leaving its scratch files and lock alone', async () => {
    const dataDir = join(root, 'shared');
    const first = await start(dataDir);
    // A scratch file of the running server, as a video's frames are while they are extracted.
    const scratch = join(dataDir, 'tmp', 'frames-in-progress.jpg');
    await writeFile(scratch, 'frame');

    // Another port (the helper asks for a free one): only the data directory is shared.
    const second = await refusal(startServerProcess({ dataDir }));
    expect(second).toContain('(code 2, signal null)');
    expect(second).toContain(`strata: configuration error: STRATA_DATA_DIR ${dataDir} is in use by another Strata (pid ${first.pid}): stop it, or set another STRATA_DATA_DIR`);
    expect(await readFile(scratch, 'utf8')).toBe('frame');
    expect(await readFile(join(dataDir, 'strata.lock'), 'utf8')).toBe(`${first.pid}\n`);
    expect((await fetch(`${first.url}/api/v1/health`)).status).toBe(200);

    // A scale-out process, which shares data directories only with its own kind, refuses too;
    // it stops before it connects to the database.
    const worker = await refusal(startServerProcess({ dataDir, waitFor: 'worker', env: { STRATA_DATABASE_URL: 'postgres://strata@127.0.0.1:1/none' } }));
    expect(worker).toContain(`STRATA_DATA_DIR ${dataDir} is in use by another Strata (pid ${first.pid})`);
    expect(await readFile(scratch, 'utf8')).toBe('frame');
  }, 180_000);

  it('starts over the lock of a Strata killed with SIGKILL, and leaves no lock once stopped', async () => {
    const dataDir = join(root, 'killed');
    const killed = await start(dataDir);
    await killed.kill('SIGKILL');
    expect(await readFile(join(dataDir, 'strata.lock'), 'utf8')).toBe(`${killed.pid}\n`);

    const next = await start(dataDir);
    expect(await readFile(join(dataDir, 'strata.lock'), 'utf8')).toBe(`${next.pid}\n`);
    await next.stop();
    await expect(readFile(join(dataDir, 'strata.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 180_000);
});

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
