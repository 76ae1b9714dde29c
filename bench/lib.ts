/**
 * Shared plumbing for the benchmarks in bench/: child servers, datasets, folders of photos,
 * memory sampling, autocannon runs and printing. Benchmarks only print figures; nothing here
 * asserts on timings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { credentialsFor, waitForDatasetStatus, type Credentials } from '../test/helpers/client.ts';

export const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// child processes

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

/** A free TCP port on 127.0.0.1 (asks the kernel for one, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolvePort(addr.port));
    });
  });
}

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 15 s; resolves once the process has exited. */
  stop(): Promise<void>;
  /** Last lines of its stdout/stderr, for error messages. */
  tail(): string;
}

/** Starts `node --import tsx <script>` with `env` and waits until GET `readyPath` answers 200. */
export async function startNodeServer(name: string, script: string, env: Record<string, string>, port: number, readyPath: string): Promise<ChildServer> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('STRATA_') && k !== 'NODE_OPTIONS') childEnv[k] = v;
  }
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoDir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  // Both pipes are drained for the life of the process: a full pipe would stall the server.
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((res) =>
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      res();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const tail = () => lines.join('\n');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`${name} exited before it was ready\n${tail()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within 60 s\n${tail()}`);
    }
    try {
      const res = await fetch(`${url}${readyPath}`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return {
    name,
    url,
    pid: child.pid!,
    tail,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

export const ADMIN_EMAIL = 'bench@strata.local';
export const ADMIN_PASSWORD = `bench-${randomBytes(9).toString('base64url')}`;

export interface Strata extends ChildServer {
  credentials: Credentials;
}

/** The real server, started as `npm start` starts it, on a temp data dir and a free port. */
export async function startStrata(opts: { dataDir: string; importRoots: string[]; env?: Record<string, string> }): Promise<Strata> {
  const port = await freePort();
  const server = await startNodeServer(
    'strata',
    'src/main.ts',
    {
      STRATA_DATA_DIR: opts.dataDir,
      STRATA_HOST: '127.0.0.1',
      STRATA_PORT: String(port),
      STRATA_IMPORT_ROOTS: opts.importRoots.join(':'),
      STRATA_ADMIN_EMAIL: ADMIN_EMAIL,
      STRATA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      STRATA_LOG_LEVEL: 'warn',
      ...opts.env,
    },
    port,
    '/api/v1/health',
  );
  try {
    const credentials = await credentialsFor(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    return { ...server, credentials };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// datasets

/** POST /api/v1/dataset from a server-side folder; returns the id and when the POST was sent. */
export async function createDataset(url: string, token: string, name: string, folder: string): Promise<{ id: string; postedAt: number }> {
  const fd = new FormData();
  fd.set('dataset_name', name);
  fd.set('bucket_path', folder);
  const postedAt = performance.now();
  const res = await fetch(`${url}/api/v1/dataset`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd });
  const text = await res.text();
  if (res.status < 200 || res.status >= 300) throw new Error(`POST /api/v1/dataset: ${res.status} ${text}`);
  const id = (JSON.parse(text) as { dataset_id?: string }).dataset_id;
  if (typeof id !== 'string') throw new Error(`POST /api/v1/dataset: no dataset_id in ${text}`);
  return { id, postedAt };
}

/** Waits (event stream) for a terminal status; returns the dataset JSON and when it was seen. */
export async function waitDone(url: string, token: string, id: string, timeoutMs = 30 * 60_000): Promise<{ dataset: any; doneAt: number }> {
  const { dataset } = await waitForDatasetStatus(url, token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], timeoutMs);
  return { dataset, doneAt: performance.now() };
}

// ---------------------------------------------------------------------------------------------
// folders of photos

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png']);

/** The cached real photos (scripts/fetch-test-media.sh), sorted by name. */
export async function photoFiles(): Promise<string[]> {
  const { photosDir } = await import('../test/helpers/test-media.ts');
  const dir = await photosDir();
  const names = (await readdir(dir)).filter((n) => IMAGE_EXT.has(extname(n).toLowerCase())).sort();
  if (names.length === 0) throw new Error(`no photos in ${dir}; run: bash scripts/fetch-test-media.sh`);
  return names.map((n) => join(dir, n));
}

/**
 * Fills `dest` with `n` images taken from `sources` in turn (the k-th round of repeats gets a
 * `rK-` prefix). Hard links when source and dest share a filesystem, else copies: never
 * symlinks, which Strata refuses when they point outside the import root.
 */
export async function buildFolder(dest: string, sources: readonly string[], n: number): Promise<{ linked: number; copied: number }> {
  await mkdir(dest, { recursive: true });
  let linked = 0;
  let copied = 0;
  for (let i = 0; i < n; i++) {
    const src = sources[i % sources.length]!;
    const round = Math.floor(i / sources.length);
    const base = src.slice(src.lastIndexOf('/') + 1);
    const target = join(dest, round === 0 ? base : `r${round}-${base}`);
    try {
      await link(src, target);
      linked++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV' && (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      await copyFile(src, target);
      copied++;
    }
  }
  return { linked, copied };
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDirs(dirs: string[]): Promise<void> {
  if (process.env.BENCH_KEEP === '1') {
    console.log(`(BENCH_KEEP=1: kept ${dirs.join(', ')})`);
    return;
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// CPU time

/** User + system CPU of a live process, ms, all its threads (ended ones included); null once it has gone. */
export async function cpuMsOf(pid: number): Promise<number | null> {
  const fields = await statFields(String(pid));
  return fields === null ? null : ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/** User + system CPU, ms, of the child processes this process has waited for (findimagedupes, say). */
export async function childrenCpuMs(): Promise<number> {
  const fields = (await statFields('self'))!;
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
}

/** The fields of /proc/<pid>/stat after the command name (field 3 on), or null once the process has gone. */
async function statFields(pid: string): Promise<string[] | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat === null ? null : stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** USER_HZ: what /proc/<pid>/stat counts CPU time in; 100 on every Linux build that matters. */
const clockTicks = 100;

// ---------------------------------------------------------------------------------------------
// memory

/** VmRSS and VmHWM (peak RSS) of a live process, in KiB; null once it has gone. */
export async function memOf(pid: number): Promise<{ rssKiB: number; hwmKiB: number } | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** Samples VmRSS every `everyMs` until stopped; stop() returns the largest sample. */
export function sampleRss(pid: number, everyMs = 100): { stop(): Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const m = await memOf(pid);
      if (m !== null && m.rssKiB > max) max = m.rssKiB;
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// load

export interface LoadResult {
  /** Mean requests per second over the run (2xx and others). */
  reqPerSec: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  /** From every response's own timing (sub-millisecond), in ms. */
  p50: number;
  p99: number;
  max: number;
  /** autocannon's own p99 (its histogram keeps whole milliseconds). */
  acP99: number;
}

export interface LoadRun {
  result: Promise<LoadResult>;
  /** Ends the run early (the result still resolves). */
  stop(): void;
}

/** A closed-loop autocannon run against `url` with a Bearer token on every request. */
export function load(url: string, token: string, opts: { connections: number; durationS: number }): LoadRun {
  const times: number[] = [];
  let instance: ReturnType<typeof autocannon> | undefined;
  const result = new Promise<LoadResult>((resolveRun, reject) => {
    instance = autocannon({ url, connections: opts.connections, pipelining: 1, duration: opts.durationS, timeout: 30, headers: { authorization: `Bearer ${token}` } }, (err, r) => {
      if (err) return reject(err);
      times.sort((a, b) => a - b);
      const durationS = r.duration;
      resolveRun({
        reqPerSec: times.length / durationS,
        total: times.length,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        durationS,
        p50: percentile(times, 50),
        p99: percentile(times, 99),
        max: times.at(-1) ?? NaN,
        acP99: r.latency.p99,
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  return { result, stop: () => instance?.stop() };
}

/** Probability that a value of `lower` is under one of `higher` (ties count half): the AUC of telling them apart. */
export function auc(lower: readonly number[], higher: readonly number[]): number {
  let wins = 0;
  for (const l of lower) for (const h of higher) wins += l < h ? 1 : l === h ? 0.5 : 0;
  return wins / lower.length / higher.length;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------------------------------------
// printing

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  // The load average shows whether other work shared the CPUs (it should stay well below nproc).
  return `machine: nproc=${availableParallelism()} (${cpu}), RAM ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${process.platform}-${process.arch}; load average now ${load}`;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** A plain-text table: first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}
