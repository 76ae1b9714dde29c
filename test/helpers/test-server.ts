import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.ts';
import { runServer, type RunningServer } from '../../src/run-server.ts';
import { credentialsFor, type Credentials } from './client.ts';
import { testCacheDir } from './test-cache.ts';

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };

export interface TestServer {
  url: string;
  server: RunningServer;
  admin: Credentials;
  dataDir: string;
  /** Stops the server; its data dir is removed unless `keepData` (to start another server on it). */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * A real server in this process on a free port, with its own data dir (or `dataDir`, to start
 * again on what an earlier server left) and an admin key pair.
 */
export async function startTestServer(env: Record<string, string> = {}, options: { dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'strata-test-')));
  const config = loadConfig({
    STRATA_DATA_DIR: dataDir,
    STRATA_PORT: '0',
    STRATA_LOG_LEVEL: 'warn',
    STRATA_ADMIN_EMAIL: ADMIN.email,
    STRATA_ADMIN_PASSWORD: ADMIN.password,
    STRATA_WORKERS: '2',
    STRATA_CACHE_DIR: testCacheDir,
    ...env,
  });
  const server = await runServer(config);
  const url = server.url!;
  const admin = await credentialsFor(url, ADMIN.email, ADMIN.password);
  return {
    url,
    server,
    admin,
    dataDir,
    async close({ keepData = false } = {}) {
      await server.stop();
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
