import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testCacheDir } from './test-cache.ts';

/**
 * The server as a separate process, started exactly as `npm start` starts it
 * (`node --import tsx src/main.ts`), for tests that need to kill it (SIGKILL mid-operation)
 * or talk to it from another language — or a worker-only process (`STRATA_ROLE=worker`, no
 * HTTP), for scale-out tests.
 */
const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LISTEN_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const TAIL_LINES = 60;

export interface ServerProcess {
  url: string;
  pid: number;
  /** Sends `signal` (SIGTERM by default) and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within 15 s; resolves once it has exited. */
  stop(): Promise<void>;
  /** The last lines the process wrote (stdout and stderr, interleaved), for failure messages. */
  outputTail(): string;
}

/** A worker-only process: the same handle, without a URL. */
export interface WorkerProcess extends Omit<ServerProcess, 'url'> {
  url: null;
}

export interface StartServerProcessOptions {
  dataDir: string;
  importRoots?: string[];
  /** Extra environment (STRATA_* overrides and anything else); applied last. */
  env?: Record<string, string>;
  /**
   * What to wait for: 'listening' (default) resolves on "Strata is listening" with its URL;
   * 'worker' starts it with STRATA_ROLE=worker (unless env says otherwise) and resolves on
   * "Strata worker started" with url null.
   */
  waitFor?: 'listening' | 'worker';
  /** Every line the process writes, as it comes (the handle keeps only the last few). */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
}

// Children still running when the test process exits (a crashed or aborted run) are killed too.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function startServerProcess(opts: StartServerProcessOptions & { waitFor?: 'listening' }): Promise<ServerProcess>;
export function startServerProcess(opts: StartServerProcessOptions & { waitFor: 'worker' }): Promise<WorkerProcess>;
export function startServerProcess(opts: StartServerProcessOptions): Promise<ServerProcess | WorkerProcess> {
  const worker = opts.waitFor === 'worker';
  const startedLine = worker ? 'Strata worker started' : 'Strata is listening';
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The test's own STRATA_* settings must not leak into the server under test.
    if (v !== undefined && !k.startsWith('STRATA_') && k !== 'NODE_OPTIONS') env[k] = v;
  }
  Object.assign(env, {
    STRATA_DATA_DIR: opts.dataDir,
    STRATA_CACHE_DIR: testCacheDir,
    STRATA_PORT: '0',
    STRATA_HOST: '127.0.0.1',
    STRATA_IMPORT_ROOTS: (opts.importRoots ?? []).join(':'),
    // The "listening" line is logged at info; a quieter level would hide it.
    STRATA_LOG_LEVEL: 'info',
    ...(worker && { STRATA_ROLE: 'worker' }),
    ...opts.env,
  });
  if (process.env.STRATA_TEST_MEDIA_DIR !== undefined) env.STRATA_TEST_MEDIA_DIR = process.env.STRATA_TEST_MEDIA_DIR;

  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: repoDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);

  const tail: string[] = [];
  const remember = (stream: 'stdout' | 'stderr', line: string) => {
    opts.onOutput?.(line, stream);
    tail.push(`[${stream}] ${line}`);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  const outputTail = () => tail.join('\n');

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(child);
      resolveExit();
    });
  });

  return new Promise<ServerProcess | WorkerProcess>((resolveStart, rejectStart) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      rejectStart(new Error(`strata server process ${why}\n--- output tail ---\n${outputTail()}`));
    };
    const timer = setTimeout(() => fail(`did not log "${startedLine}" within ${LISTEN_TIMEOUT_MS / 1000} s`), LISTEN_TIMEOUT_MS);

    const handle = (proc: ServerProcess | WorkerProcess) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolveStart(proc);
    };

    // Both pipes are read for the whole life of the process: a full pipe would block the server.
    lines(child.stdout!, (line) => {
      remember('stdout', line);
      if (settled || !line.startsWith('{')) return;
      let entry: { msg?: unknown; url?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg !== startedLine) return;
      if (worker) handle(makeHandle(null));
      else if (typeof entry.url === 'string') handle(makeHandle(entry.url));
    });
    lines(child.stderr!, (line) => remember('stderr', line));

    child.once('error', (err) => fail(`could not be spawned: ${err.message}`));
    // 'close' comes after the pipes are drained, so the tail holds the last words; a grandchild
    // keeping the pipes open must not hide the exit for long, hence the fallback.
    const exitedEarly = () => fail(`exited before logging "${startedLine}" (code ${exitInfo?.code}, signal ${exitInfo?.signal})`);
    child.once('close', exitedEarly);
    void exited.then(() => setTimeout(exitedEarly, 1000).unref());
  });

  function makeHandle<U extends string | null>(url: U): Omit<ServerProcess, 'url'> & { url: U } {
    const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (exitInfo === null) child.kill(signal);
      await exited;
    };
    return {
      url,
      pid: child.pid!,
      kill,
      async stop() {
        if (exitInfo !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        try {
          await exited;
        } finally {
          clearTimeout(timer);
        }
      },
      outputTail,
    };
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (buffer !== '') onLine(buffer);
    buffer = '';
  });
}

/**
 * One run of a crash test: a server process on the shared data directory, with `workers` media
 * workers and the test's admin, added to `servers` so that the test's cleanup stops it.
 */
export async function startRun(
  servers: ServerProcess[],
  run: { dataDir: string; importRoot: string; admin: { email: string; password: string }; workers: string },
): Promise<ServerProcess> {
  const s = await startServerProcess({
    dataDir: run.dataDir,
    importRoots: [run.importRoot],
    env: { STRATA_WORKERS: run.workers, STRATA_ADMIN_EMAIL: run.admin.email, STRATA_ADMIN_PASSWORD: run.admin.password },
  });
  servers.push(s);
  return s;
}
