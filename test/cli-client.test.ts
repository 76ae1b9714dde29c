import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { parquetReadObjects } from 'hyparquet';
import { dirname, join, resolve } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetFrom, waitForDatasetStatus } from './helpers/client.ts';
import { fixturesDir, tempDir } from './helpers/folders.ts';
import { photosDir, videoTwice } from './helpers/test-media.ts';
import { getJson } from './helpers/client.ts';
import { holdCalls } from './helpers/held-calls.ts';
import { ADMIN, startTestServer, type TestServer } from './helpers/test-server.ts';

/**
 * The `strata` command as a user runs it: a separate process against a running server,
 * configured by environment and by `strata login`'s file under its own HOME.
 */
const bin = resolve(import.meta.dirname, '../bin/strata.mjs');
// Each command is a process that loads TypeScript: slow on a busy machine, never timed.
const SLOW = 300_000;

let t: TestServer;
let home: string;
let work: string;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  /** Called with the output so far each time some arrives; return true to send SIGINT. */
  interruptWhen?: (stderr: string) => boolean;
}

function run(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: '', XDG_STATE_HOME: '', STRATA_URL: t.url, STRATA_API_KEY: t.admin.apiKey, STRATA_API_SECRET: t.admin.apiSecret, TERM: 'xterm', ...options.env };
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => {
    stderr += String(d);
    if (!interrupted && options.interruptWhen?.(stderr)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  child.stdin.end(options.input ?? '');
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })));
}

const json = (r: Run) => {
  expect(r.stderr, r.stderr).not.toMatch(/\n\s+at /);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  home = await tempDir('strata-cli-home-');
  work = await tempDir('strata-cli-work-');
  t = await startTestServer({ STRATA_IMPORT_ROOTS: work, STRATA_MAX_UPLOAD_FILE_BYTES: String(32 * 1024) });
});
afterAll(async () => {
  await t?.close();
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe('strata without a command', () => {
  it('prints help and exits 2; --help prints it on stdout and exits 0', async () => {
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/Commands:[\s\S]*upload/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit status: 0 done/);
  }, SLOW);
});

describe('strata with options it cannot use', () => {
  it('refuses them as usage errors instead of doing something else', async () => {
    const sort = await run(['datasets', '--sort', 'size']);
    expect([sort.code, sort.stderr.trim(), sort.stdout]).toEqual([2, 'strata: --sort must be date or name', '']);
    const url = await run(['--url', 'localhost:2080', 'datasets']);
    expect([url.code, url.stderr.trim()]).toEqual([2, 'strata: the server URL must start with http:// or https://, got "localhost:2080"']);
  }, SLOW);
});

describe('strata login', () => {
  it('keeps a working key pair in a 0600 file that later commands use; refuses a bad one', async () => {
    const noEnv = { STRATA_URL: '', STRATA_API_KEY: '', STRATA_API_SECRET: '' };
    const refused = await run(['--url', t.url, 'login', '--api-key', t.admin.apiKey], { env: noEnv, input: 'wrong-secret\n' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/401/);
    const file = join(home, '.config/strata/credentials.json');
    await expect(stat(file)).rejects.toThrow();

    const ok = await run(['--url', t.url, 'login', '--api-key', t.admin.apiKey], { env: noEnv, input: `${t.admin.apiSecret}\n` });
    expect(ok.code).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ url: t.url, apiKey: t.admin.apiKey, apiSecret: t.admin.apiSecret });

    const listed = await run(['datasets', '--json'], { env: noEnv });
    expect(listed.code).toBe(0);
    expect(Array.isArray(json(listed))).toBe(true);
    await rm(file);
    const none = await run(['--url', t.url, 'datasets'], { env: noEnv });
    expect([none.code, none.stderr.trim()]).toEqual([3, 'strata: no credentials: run `strata login` or set STRATA_API_KEY and STRATA_API_SECRET']);
    const half = await run(['--url', t.url, 'datasets'], { env: { ...noEnv, STRATA_API_KEY: t.admin.apiKey } });
    expect([half.code, half.stderr.trim()]).toEqual([3, 'strata: an API key without its secret: set both STRATA_API_KEY and STRATA_API_SECRET, or run `strata login`']);
  }, SLOW);

  it('needs no key pair for a server in STRATA_AUTH=none mode', async () => {
    const open = await startTestServer({ STRATA_AUTH: 'none' });
    try {
      const listed = await run(['--url', open.url, 'datasets', '--json'], { env: { STRATA_URL: '', STRATA_API_KEY: '', STRATA_API_SECRET: '' } });
      expect([listed.code, listed.stderr]).toEqual([0, '']);
      expect(json(listed)).toEqual([]);
    } finally {
      await open.close();
    }
  }, SLOW);

  it('logs in with email and password, keeping a new key pair made for this machine', async () => {
    const noEnv = { STRATA_URL: '', STRATA_API_KEY: '', STRATA_API_SECRET: '' };
    const refused = await run(['--url', t.url, 'login', '--email', ADMIN.email], { env: noEnv, input: 'wrong password\n' });
    expect(refused.code).toBe(3);
    const file = join(home, '.config/strata/credentials.json');
    await expect(stat(file)).rejects.toThrow();
    expect((await run(['--url', t.url, 'login'], { env: noEnv })).code).toBe(2);

    const ok = await run(['--url', t.url, 'login', '--email', ADMIN.email, '--json'], { env: noEnv, input: `${ADMIN.password}\n` });
    expect(ok.code, ok.stderr).toBe(0);
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved).toMatchObject({ url: t.url, apiKey: json(ok).api_key });
    expect(saved.apiKey).not.toBe(t.admin.apiKey);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await run(['datasets', '--json'], { env: noEnv })).code).toBe(0);
    await rm(file);
  }, SLOW);
});

describe('strata upload, status, errors, duplicates, delete', () => {
  let datasetId: string;

  it('resumes a failed upload without sending again what the server has, naming files by their relative paths', async () => {
    const folder = join(work, 'upload');
    await mkdir(join(folder, 'copies'), { recursive: true });
    for (const name of ['scene.jpg', 'scene.png', 'scene.webp']) await copyFile(join(fixturesDir, name), join(folder, name));
    await copyFile(join(fixturesDir, 'scene.jpg'), join(folder, 'copies', 'scene-copy.jpg'));
    await copyFile(join(fixturesDir, 'not-an-image.jpg'), join(folder, 'broken.jpg'));
    // Over the server's 32 KB limit: this file's request fails (413) and the rest go through.
    await copyFile(join(fixturesDir, 'scene.bmp'), join(folder, 'big.bmp'));
    const args = ['upload', 'cli upload', folder, '--batch-files', '1', '--parallel', '2', '--json'];

    const first = await run(args);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/1 file not uploaded .*run the same command again to resume/);

    // The user replaces the file with one the server takes, and runs the same command again.
    await copyFile(join(fixturesDir, 'scene.gif'), join(folder, 'big.bmp'));
    const second = await run([...args, '--wait']);
    expect(second.code).toBe(0);
    const result = json(second);
    expect(result).toMatchObject({ files: 6, uploaded: 1, resumed: 5, refused: [] });
    expect(result.dataset).toMatchObject({ id: result.dataset_id, n_images: 5 });
    expect(['READY', 'PARTIAL INDEX']).toContain(result.dataset.status_new);
    datasetId = result.dataset_id;
    // As a folder uploaded from the web UI, and as `strata add-media` names them.
    const media = (await getJson(t.url, `/api/v1/dataset/${datasetId}/media?page_size=100`, t.admin.token)).body.media as Array<{ file_name: string }>;
    expect(media.map((m) => m.file_name).sort()).toEqual(['upload/big.bmp', 'upload/copies/scene-copy.jpg', 'upload/scene.jpg', 'upload/scene.png', 'upload/scene.webp']);
  }, SLOW);

  it('resumes an upload cut off mid-way from what the server holds, with exact counts', async () => {
    const folder = join(work, 'cut');
    await mkdir(folder);
    const sources = ['scene.jpg', 'scene.png', 'scene.webp', 'scene.gif', 'scene.jpg', 'scene.png'];
    for (const [i, name] of sources.entries()) await copyFile(join(fixturesDir, name), join(folder, `${i}-${name}`));
    const args = ['upload', 'cli cut', folder, '--batch-files', '1', '--parallel', '1'];
    const first = await run(args, { interruptWhen: (err) => err.includes('uploaded 2/6 files') });
    expect(first.code).toBe(130);

    // A kill right after the server stored a batch, before the command noted anything: the
    // saved state names only the dataset and transaction, and the server says what it has.
    const stateDir = join(home, '.local/state/strata/uploads');
    const states = await Promise.all((await readdir(stateDir)).map(async (f) => ({ f, s: JSON.parse(await readFile(join(stateDir, f), 'utf8')) })));
    const { f: stateFile, s: state } = states.find((x) => x.s.name === 'cli cut')!;
    await writeFile(join(stateDir, stateFile), JSON.stringify({ url: state.url, name: state.name, datasetId: state.datasetId, transId: state.transId }));
    const listing = async () => (await getJson(t.url, `/api/v1/ingestion/${state.datasetId}/data_files/${state.transId}`, t.admin.token)).body.files as unknown[];
    const stored = (await listing()).length;
    expect(stored).toBeGreaterThanOrEqual(2);

    const second = await run([...args, '--json', '--wait']);
    expect(second.code, second.stderr).toBe(0);
    const result = json(second);
    expect(result).toMatchObject({ dataset_id: state.datasetId, files: 6, resumed: stored, uploaded: 6 - stored, refused: [] });
    expect(await listing()).toHaveLength(6);
    expect(result.dataset).toMatchObject({ n_images: 6 });
    await run(['delete', state.datasetId]);
  }, SLOW);

  it('reports status, failures and duplicate groups, as JSON and as text', async () => {
    const status = await run(['status', datasetId, '--json']);
    expect(json(status)).toMatchObject({ id: datasetId, display_name: 'cli upload', n_images: 5 });
    const text = await run(['status', datasetId]);
    expect(text.stdout).toMatch(/cli upload \(.*\)\n\s+status\s+(READY|PARTIAL INDEX)/);

    const errors = json(await run(['errors', datasetId, '--json']));
    expect(errors.total, JSON.stringify(errors)).toBe(1);
    expect(errors.errors[0]).toMatchObject({ file_name: 'upload/broken.jpg' });
    expect((await run(['errors', datasetId])).stdout).toMatch(/broken\.jpg.*\n1 failure\n$/);

    // The five files are one scene in five encodings: near duplicates at 0.96, while only
    // scene.jpg and its byte-identical copy stay together at 1.
    const groups = async (level: string) =>
      json(await run(['duplicates', datasetId, '--level', level, '--json'])).groups.map((g: { media: Array<{ file_name: string }> }) => g.media.map((m) => m.file_name).sort());
    expect(await groups('0.96')).toEqual([['upload/big.bmp', 'upload/copies/scene-copy.jpg', 'upload/scene.jpg', 'upload/scene.png', 'upload/scene.webp']]);
    expect(await groups('1')).toEqual([['upload/copies/scene-copy.jpg', 'upload/scene.jpg']]);
    expect((await run(['duplicates', datasetId, '--level', '1'])).stdout).toMatch(/group 1 \(2 files\)\n\s+upload\/(copies\/scene-copy|scene)\.jpg/);
    expect((await run(['datasets'])).stdout).toMatch(new RegExp(`${datasetId}\\s+(READY|PARTIAL INDEX)\\s+100%`));
  }, SLOW);

  it('counts the images per issue and lists those with one, most confident first, as the API ranks them', async () => {
    const listing = async (issue: string, min: number) => (await getJson(t.url, `/api/v1/dataset/${datasetId}/media?issue=${issue}&min_confidence=${min}&page_size=1000`, t.admin.token)).body;
    const counts = json(await run(['issues', datasetId, '--json']));
    const issues = ['blur', 'dark', 'bright', 'outliers', 'duplicates', 'mislabels', 'low_information', 'odd_aspect_ratio', 'odd_size', 'grayscale'];
    expect(Object.keys(counts.counts)).toEqual(issues);
    for (const issue of issues) expect(counts.counts[issue], issue).toBe((await listing(issue, 0.5)).total);
    // All five files are copies of one scene: each a duplicate, at the confidence the API gives it.
    expect(counts.counts.duplicates).toBe(5);
    const listed = json(await run(['issues', datasetId, '--type', 'duplicates', '--min', '0.9', '--json']));
    const api = (await listing('duplicates', 0.9)).media;
    expect(listed.media.map((m: { media_id: string }) => m.media_id)).toEqual(api.map((m: { media_id: string }) => m.media_id));
    expect(listed.media.map((m: { confidence: number }) => m.confidence)).toEqual(api.map((m: { issues: Array<{ issue_type: string; confidence: number }> }) => m.issues.find((i) => i.issue_type === 'duplicates')!.confidence));
    expect(listed).toMatchObject({ type: 'duplicates', min: 0.9, total: 5 });
    const text = await run(['issues', datasetId, '--type', 'duplicates']);
    expect(text.stdout).toMatch(/^CONFIDENCE\s+FILE\s+MEDIA ID\n(\d\.\d{3}\s+upload\/\S+\s+[0-9a-f-]{36}\n){5}5 images\n$/);
    expect((await run(['issues', datasetId])).stdout).toMatch(/^ISSUE\s+IMAGES AT ≥ 0\.5\n(\w+\s+\d+\n){10}$/);
    const bad = await run(['issues', datasetId, '--type', 'blurry']);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, `strata: --type must be one of: ${[...issues.slice(0, 10), 'uniqueness'].join(', ')}`]);
  }, SLOW);

  it('exports the metadata as JSON, parquet and CSV with the counts and issues the API gives', async () => {
    const media = (await getJson(t.url, `/api/v1/dataset/${datasetId}/media?page_size=1000`, t.admin.token)).body.media as Array<{ media_id: string; issues: Array<{ issue_type: string }> }>;
    const issueCount = media.reduce((n, m) => n + m.issues.length, 0);

    const asJson = await run(['export', datasetId, '--format', 'json', '--out', join(work, 'out.json'), '--json']);
    expect(asJson.code, asJson.stderr).toBe(0);
    expect(json(asJson)).toMatchObject({ format: 'json', out: join(work, 'out.json') });
    const metadata = JSON.parse(await readFile(join(work, 'out.json'), 'utf8'));
    expect(metadata.media_items.map((m: { media_id: string }) => m.media_id).sort()).toEqual(media.map((m) => m.media_id).sort());
    const issuesOf = (m: { metadata_items: Array<{ type: string }> }) => m.metadata_items.filter((i) => i.type === 'issue').length;
    expect(metadata.media_items.reduce((n: number, m: Parameters<typeof issuesOf>[0]) => n + issuesOf(m), 0)).toBe(issueCount);

    expect((await run(['export', datasetId, '--format', 'parquet', '--out', join(work, 'out.parquet')])).code).toBe(0);
    const bytes = await readFile(join(work, 'out.parquet'));
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })) as Array<{ media_id: string }>;
    expect(rows.map((r) => r.media_id).sort()).toEqual(media.map((m) => m.media_id).sort());

    const text = await run(['export', datasetId, '--format', 'csv', '--out', join(work, 'out.csv')]);
    expect(text.stdout).toMatch(/Exported 5 media items: .*out\.csv/);
    const lines = (await readFile(join(work, 'out.csv'), 'utf8')).trim().split('\r\n');
    expect(lines[0]).toMatch(/^media_id,media_type,file_name,/);
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(media.map((m) => m.media_id).sort());

    expect((await run(['export', datasetId, '--format', 'xml', '--out', join(work, 'out.xml')])).code).toBe(2);
    const nowhere = await run(['export', datasetId, '--format', 'csv', '--out', join(work, 'no such folder', 'out.csv')]);
    expect([nowhere.code, nowhere.stderr.trim()]).toEqual([2, `strata: cannot write ${join(work, 'no such folder', 'out.csv')}: ${join(work, 'no such folder')} is not a folder`]);
    const onFolder = await run(['export', datasetId, '--format', 'csv', '--out', work]);
    expect([onFolder.code, onFolder.stderr.trim()]).toEqual([2, `strata: cannot write ${work}: it is a folder`]);
    expect((await readdir(work)).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, SLOW);

  it('stops the export on the server when Ctrl-C interrupts it', async () => {
    // The export's first page of items waits at a gate: it is certainly running when Ctrl-C comes.
    const pages = holdCalls(t.server.ctx.store.media, 'selected');
    try {
      const out = join(work, 'interrupted.json');
      const interrupted = await run(['export', datasetId, '--out', out], { interruptWhen: (err) => err.includes('exporting: 0%') });
      expect(interrupted.code, interrupted.stderr).toBe(130);
      const { tasks } = (await getJson(t.url, `/api/v1/tasks?dataset_id=${datasetId}&task_type=EXPORT`, t.admin.token)).body;
      expect(tasks[0]).toMatchObject({ status: 'RUNNING', abort_requested: true });
      await expect(stat(out)).rejects.toThrow();
    } finally {
      pages.restore();
      pages.open();
    }
  }, SLOW);

  it('deletes; a missing dataset exits 4 and an unreachable server 5', async () => {
    expect(json(await run(['delete', datasetId, '--json']))).toEqual({ dataset_id: datasetId, deleted: true });
    const gone = await run(['status', datasetId]);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toMatch(/Dataset not found/);
    // A port that was just free: nothing listens there.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise((done) => probe.close(done));
    const unreachable = await run(['datasets'], { env: { STRATA_URL: `http://127.0.0.1:${port}` } });
    expect([unreachable.code, unreachable.stderr.trim()]).toEqual([5, `strata: GET /api/v1/datasets: no answer from http://127.0.0.1:${port} (fetch failed: connect ECONNREFUSED 127.0.0.1:${port})`]);
  }, SLOW);
});

describe('strata duplicates on video frames', () => {
  it('names each frame by its video and where in it', async () => {
    const folder = join(work, 'clips');
    await videoTwice(folder);
    const id = await createDatasetFrom(t.url, t.admin.token, 'cli clips', folder);
    expect((await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], SLOW)).dataset.status_new).toBe('READY');

    const { groups } = json(await run(['duplicates', id, '--level', '1', '--json'])) as { groups: Array<{ media: Array<{ file_name: string; frame_index: number; frame_timestamp: number }> }> };
    expect(groups.length).toBeGreaterThan(1);
    const text = (await run(['duplicates', id, '--level', '1'])).stdout;
    for (const m of groups.flatMap((g) => g.media)) {
      expect(['Megamind_bugy.avi', 'again/Megamind_bugy.avi']).toContain(m.file_name);
      expect(m.frame_timestamp).toBe(m.frame_index);
      // Under ten seconds: "0:0" and the whole second.
      expect(text).toContain(`  ${m.file_name} · 0:0${Math.floor(m.frame_timestamp)}  `);
    }
    await run(['delete', id]);
  }, SLOW);
});

describe('strata status --wait', () => {
  let draftId: string;
  beforeAll(async () => {
    const res = await fetch(`${t.url}/api/v1/ingestion/new_dataset?dataset_name=waiting`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    draftId = ((await res.json()) as { dataset_id: string }).dataset_id;
  });

  it('prints a plain line per change when not on a terminal, and exits 130 on Ctrl-C without a stack trace', async () => {
    const waited = await run(['status', draftId, '--wait'], { interruptWhen: (err) => err.includes('DRAFT 0%\n') });
    expect(waited.code).toBe(130);
    expect(waited.stderr).toMatch(/^DRAFT 0%\n/);
    expect(waited.stderr).not.toMatch(/\x1b\[|\n\s+at /);
    expect(waited.stdout).toBe('');
  }, SLOW);

  it('draws a progress bar on a terminal', async () => {
    const folder = join(work, 'tty');
    await mkdir(folder);
    for (const name of ['scene.jpg', 'scene.png']) await copyFile(join(fixturesDir, name), join(folder, name));
    const created = json(await run(['create', 'tty', folder, '--json']));
    // util-linux script gives the command a pseudo-terminal; -e returns the command's status.
    const command = [process.execPath, bin, 'status', created.dataset_id, '--wait'].map((a) => `'${a}'`).join(' ');
    const env = { ...process.env, HOME: home, STRATA_URL: t.url, STRATA_API_KEY: t.admin.apiKey, STRATA_API_SECRET: t.admin.apiSecret, TERM: 'xterm' };
    const tty = await new Promise<{ code: number | null; out: string }>((done) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      child.stdin.end();
      child.on('close', (code) => done({ code, out }));
    });
    expect(tty.code).toBe(0);
    expect(tty.out).toMatch(/(READY|PARTIAL INDEX) \|[█░]+\| 100%/);
    expect(tty.out).toMatch(/\x1b\[/);
  }, SLOW);
});

describe('strata tasks, abort and retry', () => {
  it('lists tasks, refuses to abort a finished one, and retries a creation that ended in ERROR', async () => {
    const folder = join(work, 'fix-me');
    await mkdir(folder);
    await copyFile(join(fixturesDir, 'not-an-image.jpg'), join(folder, 'photo.jpg'));
    const id = await createDatasetFrom(t.url, t.admin.token, 'cli retry', folder);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['ERROR']);

    const listed = json(await run(['tasks', '--dataset', id, '--json']));
    expect(listed).toMatchObject({ total: 1, page: 1, page_size: 20, tasks: [{ dataset_id: id, task_type: 'DATASET_CREATION', status: 'FAILED', failed: 1 }] });
    const taskId = listed.tasks[0].task_id;
    expect((await run(['tasks', '--status', 'FAILED'])).stdout).toMatch(new RegExp(`${taskId}\\s+DATASET_CREATION\\s+FAILED\\s+100%`));
    const bad = await run(['tasks', '--status', 'DONE']);
    expect(bad.code).toBe(1);

    // The server's pointer to its errors endpoint, as the command that lists them.
    expect((await run(['status', id])).stdout).toContain(`error     No valid media: all 1 files failed to index (see \`strata errors ${id}\`)`);

    const abort = await run(['abort', taskId]);
    expect(abort.code).toBe(1);
    expect(abort.stderr).toMatch(/has already finished \(FAILED\)/);

    await copyFile(join(fixturesDir, 'scene.jpg'), join(folder, 'photo.jpg'));
    const retried = await run(['retry', taskId, '--wait', '--json']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(json(retried)).toMatchObject({ task_id: taskId, status: 'COMPLETED', dataset_status: 'READY', done: 1, failed: 0, total: 1 });
  }, SLOW);
});

describe('strata add-media and reindex', () => {
  /** Real photos, made small enough for this server's 32 KiB upload limit. */
  async function smallPhotos(dir: string, names: readonly string[], from: number): Promise<void> {
    const source = await photosDir();
    const photos = (await readdir(source)).filter((n) => /\.jpe?g$/i.test(n)).sort();
    for (const [i, name] of names.entries()) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await sharp(join(source, photos[from + i]!)).resize(240).jpeg({ quality: 80 }).toFile(join(dir, name));
    }
  }
  const fileNames = async (id: string) => (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=100`, t.admin.token)).body.media.map((m: { file_name: string }) => m.file_name).sort();

  it('adds folders (named by their relative paths), an archive and a server path, and reindexes, following each to its end', async () => {
    const base = join(work, 'grow-base');
    await smallPhotos(base, ['one.jpg', 'two.jpg'], 0);
    const id = await createDatasetFrom(t.url, t.admin.token, 'cli grows', base);
    expect((await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'])).dataset.status_new).toBe('READY');

    const none = await run(['add-media', id]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/exactly one source/);
    const two = await run(['add-media', id, base, '--s3-uri', base]);
    expect(two.code).toBe(2);
    const missing = await run(['add-media', id, join(work, 'no such folder')]);
    expect([missing.code, missing.stderr.trim()]).toEqual([2, `strata: cannot read ${join(work, 'no such folder')}: no such file or folder`]);
    const early = await run(['reindex', id]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/Operation 'reindex' is not allowed while the dataset is READY/);

    const batch = join(work, 'batch');
    await smallPhotos(batch, ['a.jpg', 'sub/b.jpg'], 2);
    const added = await run(['add-media', id, batch, '--wait']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toMatch(/Sending 2 files…/);
    expect(added.stderr).toMatch(/READ ONLY \d+%/);
    expect(added.stdout).toMatch(/status {4}PARTIAL INDEX/);
    expect(await fileNames(id)).toEqual(['batch/a.jpg', 'batch/sub/b.jpg', 'one.jpg', 'two.jpg']);

    const reindexed = json(await run(['reindex', id, '--wait', '--json']));
    expect(reindexed).toMatchObject({ dataset_id: id, dataset: { status_new: 'READY', n_images: 4, processing: { operation: 'REINDEX', status: 'COMPLETED' } } });

    const packed = join(work, 'packed');
    await smallPhotos(packed, ['c/d.jpg'], 4);
    const pack = tar.pack();
    const archive = buffer(pack);
    pack.entry({ name: 'c/d.jpg' }, await readFile(join(packed, 'c/d.jpg')));
    pack.finalize();
    await writeFile(join(work, 'more.tar.gz'), gzipSync(await archive));
    const fromArchive = json(await run(['add-media', id, '--archive', join(work, 'more.tar.gz'), '--auto-reindex', '--wait', '--json']));
    expect(fromArchive).toMatchObject({ files_received: 1, dataset: { status_new: 'READY', n_images: 5, processing: { operation: 'ADD_MEDIA', status: 'COMPLETED', done: 1 } } });
    expect(await fileNames(id)).toContain('c/d.jpg');

    const onServer = join(work, 'on-server');
    await smallPhotos(onServer, ['e.jpg'], 5);
    const started = json(await run(['add-media', id, '--s3-uri', onServer, '--json']));
    expect(started).toMatchObject({ dataset_id: id, status: 'READ ONLY', task_id: expect.any(String) });
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['PARTIAL INDEX', 'READY', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 6 });
  }, SLOW);
});
