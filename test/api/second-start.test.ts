import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { runServer } from '../../src/run-server.ts';
import { testCacheDir } from '../helpers/test-cache.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/** `npm start` run a second time by mistake, with the first one's port and data directory. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

describe('a second start on a port in use', () => {
  it('refuses with a message naming STRATA_PORT, before touching the running server’s data directory', async () => {
    const port = new URL(t.url).port;
    // A scratch file of the running server, as a video's frames are while they are extracted.
    const scratch = join(t.dataDir, 'tmp', 'frames-in-progress.jpg');
    await writeFile(scratch, 'frame');
    const config = loadConfig({ STRATA_DATA_DIR: t.dataDir, STRATA_PORT: port, STRATA_LOG_LEVEL: 'warn', STRATA_CACHE_DIR: testCacheDir });
    await expect(runServer(config)).rejects.toThrow(`STRATA_PORT ${port} is already in use on 127.0.0.1: is Strata already running?`);
    expect(await readFile(scratch, 'utf8')).toBe('frame');
  });
});
