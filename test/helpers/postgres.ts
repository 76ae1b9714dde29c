import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * Throwaway PostgreSQL for the scale-out backends' tests: a cluster from Debian's packages
 * (`apt-get install postgresql`) in a temp dir, or the server named by STRATA_TEST_DATABASE_URL.
 * Every call gets its own fresh database; calls in one process share the cluster, which stops
 * when the last database is released.
 */
export interface TestPostgres {
  /** postgres://…/<fresh database>, trust auth. */
  url: string;
  /** Drops the database (and stops the cluster once nobody else uses it). */
  stop(): Promise<void>;
}

const run = promisify(execFile);
const PG_ROOT = '/usr/lib/postgresql';
const PREFERRED_VERSION = '15';

interface Cluster {
  /** The maintenance database's url: where databases are created and dropped. */
  adminUrl: string;
  stop(): Promise<void>;
}

let shared: Promise<Cluster> | null = null;
let users = 0;

export async function startPostgres(): Promise<TestPostgres> {
  users++;
  let cluster: Cluster;
  try {
    shared ??= startCluster();
    cluster = await shared;
  } catch (err) {
    users--;
    shared = null;
    throw err;
  }
  const name = `strata_test_${randomBytes(6).toString('hex')}`;
  try {
    await adminQuery(cluster.adminUrl, `CREATE DATABASE ${name}`);
  } catch (err) {
    await release();
    throw err;
  }
  let stopped = false;
  return {
    url: withDatabase(cluster.adminUrl, name),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        // FORCE: a test that leaked a connection must not keep its database (or the cluster) alive.
        await adminQuery(cluster.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await release();
      }
    },
  };
}

async function release(): Promise<void> {
  if (--users > 0 || !shared) return;
  const cluster = shared;
  shared = null;
  await (await cluster).stop();
}

function startCluster(): Promise<Cluster> {
  const external = process.env.STRATA_TEST_DATABASE_URL;
  if (external) return Promise.resolve({ adminUrl: external, stop: async () => {} });
  return startLocalCluster();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function findBinDir(): string {
  const fromEnv = process.env.STRATA_TEST_PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const version = versions.includes(PREFERRED_VERSION) ? PREFERRED_VERSION : versions[0];
  if (version === undefined) {
    throw new Error(
      `PostgreSQL server binaries not found under ${PG_ROOT}/<version>/bin. Install them with ` +
        '"apt-get install postgresql" (Debian/Ubuntu), set STRATA_TEST_PG_BIN to a directory holding initdb and pg_ctl, ' +
        'or point STRATA_TEST_DATABASE_URL at a PostgreSQL server the tests may create databases on.',
    );
  }
  return join(PG_ROOT, version, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// Live clusters are stopped even when the test process exits without cleaning up.
const live = new Map<string, () => void>();
process.once('exit', () => {
  for (const kill of live.values()) kill();
});

async function startLocalCluster(): Promise<Cluster> {
  const bin = findBinDir();
  // initdb and postgres refuse to run as root: as root, run them as the packages' postgres user.
  const asRoot = process.getuid?.() === 0;
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const dir = await mkdtemp(join(tmpdir(), 'strata-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0) throw new Error('running as root but there is no "postgres" user: apt-get install postgresql creates it');
    await chown(dir, Number(ids.stdout.trim()), Number(gid.stdout.trim()));
  }
  const exec = (tool: string, args: string[]) => {
    const [file, argv] = command(tool, args);
    return run(file, argv, { cwd: dir });
  };

  try {
    await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${describe(err)}`);
  }

  const stopNow = (mode: 'fast' | 'immediate') => {
    const [file, argv] = command('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
    return { file, argv };
  };
  live.set(dir, () => {
    const { file, argv } = stopNow('immediate');
    spawnSync(file, argv, { cwd: dir, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  // A port can be taken between probing and binding: try a few.
  let port = 0;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && port === 0; attempt++) {
    const candidate = await freePort();
    const options = [
      `-p ${candidate}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      // Throwaway data: durability buys nothing and costs seconds.
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    try {
      await exec('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
      port = candidate;
    } catch (err) {
      lastError = err;
    }
  }
  if (port === 0) {
    const tail = await readFile(log, 'utf8').catch(() => '');
    live.get(dir)?.();
    live.delete(dir);
    throw new Error(`PostgreSQL did not start: ${describe(lastError)}\n${tail.slice(-2000)}`);
  }

  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      live.delete(dir);
      const { file, argv } = stopNow('fast');
      try {
        await run(file, argv, { cwd: dir });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'stderr' in err && typeof err.stderr === 'string' && err.stderr.trim()) return err.stderr.trim();
  return err instanceof Error ? err.message : String(err);
}
