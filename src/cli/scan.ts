import { spawn } from 'node:child_process';
import { countOf } from './output.ts';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAdmin } from '../app/accounts.ts';
import type { AppContext } from '../app/context.ts';
import { createFromBucket, viewOf } from '../app/datasets.ts';
import { exportInfo } from '../app/export/export-job.ts';
import { exportPages } from '../app/export/export-items.ts';
import { csvMetadataFile, jsonMetadataFile, type MetadataFile } from '../app/export/metadata-files.ts';
import { withoutApiHint } from '../client/index.ts';
import { loadConfig } from '../config/config.ts';
import { DomainError } from '../domain/errors.ts';
import type { User } from '../domain/types.ts';
import { runServer, type RunningServer } from '../run-server.ts';
import { createProgressDisplay, type ProgressState } from './scan-progress.ts';
import { createFindings, type ScanFindings } from './scan-findings.ts';
import { checkOutPath } from './out-path.ts';
import { renderReport, shownItems } from './scan-report.ts';

export const SCAN_USAGE = `strata scan <folder|s3://bucket/prefix/> [--report out.html] [--json out.json] [--csv out.csv]
            [--open] [--serve] [--data-dir DIR]
  Indexes the folder with no server to run, prints a summary and writes the reports asked for.
  --serve keeps the server (and web UI) up on the scanned dataset.`;

interface ScanOptions {
  source: string;
  report: string | null;
  json: string | null;
  csv: string | null;
  open: boolean;
  serve: boolean;
  dataDir: string | null;
}

/** The options, or null when help was asked for. */
function optionsOf(argv: string[]): ScanOptions | null {
  const { values, positionals } = parsed(argv);
  if (values.help === true) return null;
  if (positionals.length !== 1) throw new DomainError('BAD_REQUEST', `scan needs one folder or s3:// prefix\n${SCAN_USAGE}`);
  const path = (p: string | undefined) => (p === undefined ? null : resolve(p));
  const source = positionals[0]!;
  return {
    source: source.startsWith('s3://') ? source : resolve(source),
    report: path(values.report),
    json: path(values.json),
    csv: path(values.csv),
    open: values.open === true,
    serve: values.serve === true,
    dataDir: path(values['data-dir']),
  };
}

/** argv parsed; an unknown or incomplete option is a usage error, said with the usage. */
function parsed(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        report: { type: 'string' },
        json: { type: 'string' },
        csv: { type: 'string' },
        open: { type: 'boolean' },
        serve: { type: 'boolean' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new DomainError('BAD_REQUEST', `${(err as Error).message}\n${SCAN_USAGE}`);
    throw err;
  }
}

/** The dataset's owner: the configured admin, or a local one made for the scan (its password printed with --serve). */
async function ownerOf(ctx: AppContext): Promise<{ user: User; password: string | null }> {
  const { adminEmail } = ctx.config;
  const configured = adminEmail === null ? null : await ctx.store.users.findByEmail(adminEmail);
  if (configured) return { user: configured, password: null };
  const password = randomBytes(12).toString('base64url');
  return { user: await ensureAdmin(ctx.accounts, 'scan@localhost', password), password };
}

/** Shows progress until the dataset's indexing ends; returns its final state. */
function followIndexing(ctx: AppContext, datasetId: string): Promise<ProgressState & { fatal_error_msg?: string | null }> {
  const display = createProgressDisplay(process.stderr);
  // The queue's and the status hub's timers are unref'd (a server's socket keeps it alive);
  // with no socket, this one keeps the process up until indexing ends.
  const keepAlive = setInterval(() => {}, 60_000);
  return new Promise<ProgressState & { fatal_error_msg?: string | null }>((done, fail) => {
    let checking = false;
    let again = false;
    const check = async (): Promise<void> => {
      if (checking) return void (again = true);
      checking = true;
      try {
        do {
          again = false;
          const dataset = await ctx.store.datasets.get(datasetId);
          if (dataset === null) throw new Error('the dataset disappeared while indexing');
          const body = (await viewOf(ctx, dataset)).body as unknown as ProgressState & { fatal_error_msg: string | null };
          display.update(body);
          if (body.status_new === 'READY' || body.status_new === 'ERROR') {
            unsubscribe();
            display.done();
            return done(body);
          }
        } while (again);
      } catch (err) {
        unsubscribe();
        display.done();
        fail(err);
      } finally {
        checking = false;
      }
    };
    const unsubscribe = ctx.statusHub.subscribe(datasetId, () => void check());
    void check();
  }).finally(() => clearInterval(keepAlive));
}

/** One pass over the indexed items: the findings, and the JSON/CSV files asked for. */
async function collect(ctx: AppContext, datasetId: string, user: User, o: ScanOptions): Promise<ScanFindings> {
  const total = await ctx.store.media.countSelected(datasetId, null);
  const files: MetadataFile[] = [];
  if (o.json) files.push(jsonMetadataFile(o.json, await exportInfo(ctx, datasetId, user.id, total)));
  if (o.csv) files.push(csvMetadataFile(o.csv));
  const findings = createFindings();
  for await (const page of exportPages(ctx.store, datasetId, null)) {
    findings.add(page);
    for (const f of files) await f.add(page);
  }
  for (const f of files) await f.finish();
  return findings.result();
}

async function thumbnailsOf(ctx: AppContext, findings: ScanFindings): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const item of shownItems(findings)) {
    if (out.has(item.mediaId) || item.thumbKey === null) continue;
    const blob = await ctx.blobs.read(item.thumbKey);
    if (blob === null) continue;
    const chunks: Buffer[] = [];
    for await (const c of blob.stream) chunks.push(c as Buffer);
    out.set(item.mediaId, `data:image/${item.thumbKey.endsWith('.jpg') ? 'jpeg' : 'webp'};base64,${Buffer.concat(chunks).toString('base64')}`);
  }
  return out;
}

function summaryText(source: string, f: ScanFindings, failures: number, seconds: number): string {
  const levels = f.duplicates.map((d) => `  ${String(d.level).padEnd(6)} ${countOf(d.groups, 'group')}, ${countOf(d.items, 'item')}`).join('\n');
  const c = f.issueCounts;
  return `Scanned ${source} in ${seconds.toFixed(1)} s
  ${countOf(f.images, 'image')}, ${countOf(f.videos, 'video')} (${countOf(f.frames, 'frame')}), ${failures} failed
Duplicate groups by similarity level:
${levels}
Outliers: ${c.outliers} (${countOf(f.outlierCandidates, 'candidate')})   Blurry: ${c.blur}   Dark: ${c.dark}   Bright: ${c.bright}
Low information: ${c.low_information}   Odd aspect ratio: ${c.odd_aspect_ratio}   Odd size: ${c.odd_size}   Grayscale: ${c.grayscale}${c.mislabels > 0 ? `   Mislabels: ${c.mislabels}` : ''}
`;
}

/** Failures listed at most; past them the text says how many more there are. */
const failuresShown = 1000;
/** File names shown per reason. */
const namesPerReason = 3;

/** The per-file failures grouped by reason, each with a few of its files: what a user needs to fix them. */
async function failuresText(ctx: AppContext, datasetId: string, total: number): Promise<string> {
  const failures = await ctx.store.items.failures(datasetId, 0, failuresShown);
  const byReason = new Map<string, string[]>();
  for (const f of failures) {
    const names = byReason.get(f.reason);
    if (names) names.push(f.fileName);
    else byReason.set(f.reason, [f.fileName]);
  }
  const lines = [...byReason].map(([reason, names]) => {
    const rest = names.length - namesPerReason;
    return `  ${reason}: ${names.slice(0, namesPerReason).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}\n`;
  });
  const unlisted = total - failures.length;
  return `Failed files, by reason:\n${lines.join('')}${unlisted > 0 ? `  and ${unlisted} more failures not listed\n` : ''}`;
}

/** Opens a file or URL with the desktop's default application, if there is one. */
function openExternally(target: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [target]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', target]] : ['xdg-open', [target]];
  const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`strata: could not open ${target}; open it yourself\n`));
  child.unref();
}

/** Waits for SIGINT/SIGTERM, then stops the server. */
function serveUntilSignal(server: RunningServer): Promise<void> {
  return new Promise((done) => {
    const stop = () => void server.stop().then(done, done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `strata scan`: returns the exit code (0 when the folder was indexed, 1 when indexing failed). */
export async function scanCommand(argv: string[]): Promise<number> {
  const o = optionsOf(argv);
  if (o === null) {
    process.stdout.write(`${SCAN_USAGE}\n`);
    return 0;
  }
  const local = !o.source.startsWith('s3://');
  if (local && !(await stat(o.source).catch(() => null))?.isDirectory()) throw new DomainError('BAD_REQUEST', `${o.source} is not a folder`);
  for (const path of [o.report, o.json, o.csv]) if (path !== null) await checkOutPath(path);
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'strata-scan-')));
  const roots = [process.env.STRATA_IMPORT_ROOTS, local ? o.source : undefined].filter(Boolean).join(':');
  // The model's ONNX export outlives the temporary data dir, so a second scan starts at once.
  const cacheDir = process.env.STRATA_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'strata');
  const config = loadConfig({ ...process.env, STRATA_DATA_DIR: dataDir, STRATA_IMPORT_ROOTS: roots, STRATA_CACHE_DIR: cacheDir, STRATA_LOG_LEVEL: process.env.STRATA_LOG_LEVEL ?? 'warn' });
  const started = Date.now();
  const server = await runServer(config, { listen: o.serve });
  let serving = false;
  try {
    const { ctx } = server;
    const { user, password } = await ownerOf(ctx);
    const { dataset_id: id } = await createFromBucket(ctx, user, { name: basename(o.source.replace(/\/+$/, '')) || o.source, bucketPath: o.source });
    const final = await followIndexing(ctx, id);
    if (final.status_new === 'ERROR') {
      // The server's pointer to its errors endpoint is no use once scan has stopped it: the reasons are listed here instead.
      const message = withoutApiHint(final.fatal_error_msg ?? 'unknown error');
      const failures = await ctx.store.items.countFailures(id);
      process.stderr.write(`strata: indexing failed: ${message}\n${failures > 0 ? await failuresText(ctx, id, failures) : ''}`);
      return 1;
    }
    const findings = await collect(ctx, id, user, o);
    const failures = await ctx.store.items.countFailures(id);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(summaryText(o.source, findings, failures, seconds));
    if (failures > 0) process.stdout.write(await failuresText(ctx, id, failures));
    if (o.report) {
      const html = renderReport({ source: o.source, scannedAt: new Date().toISOString().slice(0, 19).replace('T', ' '), seconds, failures, findings, thumbnails: await thumbnailsOf(ctx, findings) });
      await writeFile(o.report, html);
    }
    for (const [what, path] of [['Report', o.report], ['JSON', o.json], ['CSV', o.csv]] as const) if (path) process.stdout.write(`${what}: ${path}\n`);
    if (o.serve) {
      const url = `${server.url}/datasets/${id}`;
      process.stdout.write(`Serving ${url}${password ? ` (log in as scan@localhost / ${password})` : ''}; Ctrl-C stops.\n`);
      if (o.open) openExternally(url);
      serving = true;
      await serveUntilSignal(server);
      return 0;
    }
    if (o.open && o.report) openExternally(o.report);
    return 0;
  } finally {
    if (!serving) await server.stop();
    if (o.dataDir === null) await rm(dataDir, { recursive: true, force: true });
  }
}
