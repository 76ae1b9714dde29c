import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createPostgresStore } from '../src/store/create-store.ts';
import { runServer, type RunningServer } from '../src/run-server.ts';
import { getJson, makeJwt } from './helpers/client.ts';
import { tempDir } from './helpers/folders.ts';
import { startPostgres } from './helpers/postgres.ts';

const bin = resolve(import.meta.dirname, '../bin/strata.mjs');
// Each command is a process that loads TypeScript: slow on a busy machine, never timed.
const SLOW = 300_000;
let dataDir: string;

async function strata(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return strataWith({}, ...args);
}

async function strataWith(env: Record<string, string>, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, STRATA_DATA_DIR: dataDir, STRATA_LOG_LEVEL: 'warn', ...env } });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

beforeAll(async () => {
  dataDir = await tempDir('strata-cli-');
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

describe('strata command', () => {
  let server: RunningServer | undefined;
  afterAll(async () => server?.stop());

  it('adds users and creates credentials that the server accepts', async () => {
    const added = await strata('user', 'add', '--email', 'Ops@Example.com', '--password', 'ops-password-1', '--role', 'editor');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ email: 'ops@example.com', role: 'editor' });

    const creds = await strata('credentials', 'create', '--email', 'ops@example.com');
    expect(creds.code).toBe(0);
    const { api_key, api_secret } = JSON.parse(creds.stdout);

    server = await runServer(loadConfig({ STRATA_DATA_DIR: dataDir, STRATA_PORT: '0', STRATA_LOG_LEVEL: 'warn', STRATA_WORKERS: '1' }));
    expect((await getJson(server.url!, '/api/v1/datasets', makeJwt(api_key, api_secret))).status).toBe(200);
  }, SLOW);

  it('explains bad input and exits non-zero', async () => {
    const dup = await strata('user', 'add', '--email', 'ops@example.com', '--password', 'another-pass');
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/already exists/);
    const short = await strata('user', 'add', '--email', 'x@example.com', '--password', 'short');
    expect(short.stderr).toMatch(/at least 8/);
    const role = await strata('user', 'add', '--email', 'y@example.com', '--password', 'long-enough', '--role', 'king');
    expect(role.stderr).toMatch(/--role/);
    const unknown = await strata('credentials', 'create', '--email', 'nobody@example.com');
    expect(unknown.stderr).toMatch(/No user/);
    const usage = await strata('frobnicate');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command 'frobnicate'/);
    const missing = await strata('user', 'add', '--email', 'z@example.com');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--password/);
  }, SLOW);

  it('stops with a message naming a bad variable', async () => {
    const args = [bin, 'user', 'add', '--email', 'port@example.com', '--password', 'long-enough'];
    const { stderr, code } = await promisify(execFile)(process.execPath, args, { env: { ...process.env, STRATA_PORT: 'abc' } }).catch((e) => e);
    expect(stderr).toMatch(/STRATA_PORT/);
    expect(code).toBe(2);
  }, SLOW);
});

describe('strata account commands with PostgreSQL', () => {
  it('write to the database STRATA_DATABASE_URL names, not to SQLite in the data dir', async () => {
    const pg = await startPostgres();
    const pgDataDir = await tempDir('strata-cli-pg-');
    try {
      const env = { STRATA_DATABASE_URL: pg.url, STRATA_DATA_DIR: pgDataDir };
      expect((await strataWith(env, 'user', 'add', '--email', 'pg@example.com', '--password', 'pg-password-1')).code).toBe(0);
      const creds = await strataWith(env, 'credentials', 'create', '--email', 'pg@example.com');
      expect(creds.code).toBe(0);
      const store = await createPostgresStore(pg.url);
      try {
        const user = await store.users.findByEmail('pg@example.com');
        expect(user).toMatchObject({ email: 'pg@example.com', role: 'editor' });
        expect(await store.users.findApiKey(JSON.parse(creds.stdout).api_key)).toMatchObject({ userId: user!.id, revoked: false });
      } finally {
        await store.close();
      }
      expect((await readdir(pgDataDir)).filter((f) => f.endsWith('.db') || f.endsWith('.sqlite'))).toEqual([]);
    } finally {
      await pg.stop();
      await rm(pgDataDir, { recursive: true, force: true });
    }
  }, SLOW);
});
