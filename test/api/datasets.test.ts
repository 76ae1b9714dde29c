import { existsSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { mixedFolder, tempDir } from '../helpers/folders.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
let root: string;
let outside: string;
let folder: { dir: string; valid: number; broken: string[] };

beforeAll(async () => {
  root = await tempDir('strata-root-');
  outside = await tempDir('strata-outside-');
  folder = await mixedFolder(root);
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
});
afterAll(async () => t?.close());

async function createDataset(fields: Record<string, string>, token = t.admin.token): Promise<Response> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fetch(`${t.url}/api/v1/dataset`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: fd });
}

describe('creating a dataset from a folder', () => {
  let id: string;
  let events: any[];
  let final: any;

  beforeAll(async () => {
    const res = await createDataset({ dataset_name: 'Mixed folder', bucket_path: folder.dir });
    expect(res.status).toBe(200);
    id = (await res.json()).dataset_id;
    ({ dataset: final, events } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']));
  });

  it('reaches READY with the valid items counted and the broken ones recorded', async () => {
    expect(final).toMatchObject({ status_new: 'READY', status: 'READY', progress: 100, n_images: folder.valid, n_videos: 0, n_objects: 0, fatal_error_msg: null });
    expect(final.processing).toMatchObject({ operation: 'CREATE', status: 'COMPLETED', total: folder.valid + folder.broken.length, done: folder.valid, failed: folder.broken.length });
    const errors = await getJson(t.url, `/api/v1/dataset/${id}/errors`, t.admin.token);
    expect(errors.status).toBe(200);
    expect(errors.headers.get('x-total-count')).toBe(String(folder.broken.length));
    expect(errors.body.map((e: { file_name: string }) => e.file_name).sort()).toEqual(folder.broken);
    const bomb = errors.body.find((e: { file_name: string }) => e.file_name === 'bomb.png');
    expect(bomb.reason).toMatch(/pixel/i);
    for (const e of errors.body) expect(e).toEqual({ file_name: expect.any(String), original_uri: expect.stringMatching(/^file:\/\//), stage: expect.any(String), reason: expect.any(String) });
  });

  it("has exactly Visual Layer's fields plus status and processing", async () => {
    const res = await getJson(t.url, `/api/v1/dataset/${id}`, t.admin.token);
    expect(Object.keys(res.body)).toEqual([
      'id', 'display_name', 'description', 'source_type', 'owned_by', 'created_at', 'status', 'status_new', 'progress',
      'n_images', 'n_videos', 'n_objects', 'fatal_error_msg', 'source_dataset_id', 'processing',
    ]);
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(res.body).toMatchObject({ display_name: 'Mixed folder', source_type: 'BUCKET', owned_by: 'admin@example.com', source_dataset_id: null });
  });

  it('reported progress that never went backwards and ended at 100', () => {
    const progress = events.map((e) => e.progress);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(progress.at(-1)).toBe(100);
    expect(events.filter((e) => e.progress === 100).every((e) => e.status_new === 'READY')).toBe(true);
  });

  it('sends an ETag and answers If-None-Match with 304; no Retry-After once settled', async () => {
    const first = await getJson(t.url, `/api/v1/dataset/${id}`, t.admin.token);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    expect(first.headers.get('retry-after')).toBeNull();
    const again = await fetch(`${t.url}/api/v1/dataset/${id}`, { headers: { authorization: `Bearer ${t.admin.token}`, 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('answers creation-status and lists the dataset', async () => {
    expect((await getJson(t.url, `/api/v1/datasets/${id}/creation-status`, t.admin.token)).body).toEqual({ status: 'READY', progress: 100 });
    const list = await getJson(t.url, '/api/v1/datasets?sort_by=name', t.admin.token);
    expect(list.body.some((d: { id: string }) => d.id === id)).toBe(true);
    const badSort = await getJson(t.url, '/api/v1/datasets?sort_by=size', t.admin.token);
    expect(badSort.status).toBe(422);
    expect(badSort.body.detail).toEqual([{ type: 'literal_error', loc: ['query', 'sort_by'], msg: "Input should be 'date' or 'name'", input: 'size' }]);
  });

  it("takes Visual Layer's include_hidden flag, read as FastAPI reads a bool", async () => {
    const all = (await getJson(t.url, '/api/v1/datasets', t.admin.token)).body.map((d: { id: string }) => d.id);
    // Python's requests sends True as "True"; Strata hides no dataset, so the listing is the same.
    for (const value of ['true', 'True', 'false', '1', '0', 'yes', 'off']) {
      const res = await getJson(t.url, `/api/v1/datasets?include_hidden=${value}`, t.admin.token);
      expect(res.status, value).toBe(200);
      expect(res.body.map((d: { id: string }) => d.id), value).toEqual(all);
    }
    const bad = await getJson(t.url, '/api/v1/datasets?include_hidden=maybe', t.admin.token);
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toEqual([{ type: 'bool_parsing', loc: ['query', 'include_hidden'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' }]);
  });

  it("answers schema errors in FastAPI's shape: type, loc, msg, input", async () => {
    const auth = { authorization: `Bearer ${t.admin.token}` };
    const cases: Array<[string, unknown]> = [
      ['/api/v1/ingestion/new_dataset', { type: 'missing', loc: ['query', 'dataset_name'], msg: 'Field required', input: null }],
      ['/api/v1/ingestion/new_dataset?dataset_name=', { type: 'string_too_short', loc: ['query', 'dataset_name'], msg: 'String should have at least 1 character', input: '' }],
      [`/api/v1/explore/${id}?threshold=abc`, { type: 'int_parsing', loc: ['query', 'threshold'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' }],
      [`/api/v1/explore/${id}?threshold=5`, { type: 'less_than_equal', loc: ['query', 'threshold'], msg: 'Input should be less than or equal to 4', input: 5 }],
      [`/api/v1/dataset/${id}/media?page_number=-1`, { type: 'greater_than_equal', loc: ['query', 'page_number'], msg: 'Input should be greater than or equal to 0', input: -1 }],
      [`/api/v1/explore/${id}?entity_type=VIDEOS`, { type: 'literal_error', loc: ['query', 'entity_type'], msg: "Input should be 'IMAGES' or 'OBJECTS'", input: 'VIDEOS' }],
    ];
    for (const [path, problem] of cases) {
      const res = await fetch(`${t.url}${path}`, { headers: auth });
      expect(res.status, path).toBe(422);
      expect((await res.json()).detail, path).toEqual([problem]);
    }
  });

  it('resumes the event stream from Last-Event-ID', async () => {
    const res = await fetch(`${t.url}/api/v1/dataset/${id}/events`, { headers: { authorization: `Bearer ${t.admin.token}`, 'last-event-id': '1' } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    const text = new TextDecoder().decode(value);
    const current = await t.server.ctx.store.datasets.get(id);
    expect(text).toContain(`id: ${current!.revision}\nevent: status\n`);
    await reader.cancel();
  });
});

describe('bucket_path checks', () => {
  it('refuses paths outside the import roots, missing paths and symlinks that escape', async () => {
    await mkdir(join(outside, 'photos'), { recursive: true });
    await symlink(join(outside, 'photos'), join(root, 'escape'));
    for (const bucket_path of [outside, join(root, 'missing'), join(root, 'escape'), 'relative/path', `file://${join(root, 'escape')}`]) {
      const res = await createDataset({ dataset_name: 'bad', bucket_path });
      expect(res.status, bucket_path).toBe(400);
      expect((await res.json()).detail).toEqual(expect.any(String));
    }
  });

  it('accepts a file:// URI under a root', async () => {
    const res = await createDataset({ dataset_name: 'uri', bucket_path: `file://${folder.dir}` });
    expect(res.status).toBe(200);
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, (await res.json()).dataset_id, ['READY', 'ERROR']);
    expect(dataset.n_images).toBe(folder.valid);
  });

  it('reads a .txt or .csv manifest, refusing entries outside the roots as per-item failures', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(outside, 'secret.jpg'), 'x');
    await writeFile(join(root, 'list.txt'), `# a comment\nmixed/scene.jpg\n${join(folder.dir, 'scene.png')}\nfile://${join(folder.dir, 'scene.gif')}\n${join(outside, 'secret.jpg')}\nmixed/missing.jpg\n`);
    await writeFile(join(root, 'list.csv'), 'label,path\ncat,mixed/scene.jpg\n"dog, big",mixed/scene.webp\n');
    for (const [manifest, valid, failed] of [['list.txt', 3, 2], ['list.csv', 2, 0]] as const) {
      const res = await createDataset({ dataset_name: manifest, bucket_path: join(root, manifest) });
      expect(res.status).toBe(200);
      const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, (await res.json()).dataset_id, ['READY', 'ERROR']);
      expect(dataset, manifest).toMatchObject({ status_new: 'READY', n_images: valid });
      expect(dataset.processing.failed).toBe(failed);
    }
    const parquet = await createDataset({ dataset_name: 'pq', bucket_path: join(root, 'list.parquet') });
    expect(parquet.status).toBe(400);
  });

  it('needs dataset_name and bucket_path, and names what is missing as FastAPI does', async () => {
    const noName = await createDataset({ bucket_path: folder.dir });
    expect(noName.status).toBe(422);
    expect((await noName.json()).detail).toEqual([{ type: 'missing', loc: ['body', 'dataset_name'], msg: 'Field required', input: null }]);
    const neither = await createDataset({});
    expect((await neither.json()).detail.map((d: { loc: string[] }) => d.loc)).toEqual([['body', 'dataset_name'], ['body', 'bucket_path']]);
    expect((await createDataset({ dataset_name: 'x' })).status).toBe(422);
  });

  it('says which variable to set when no import root is configured', async () => {
    const bare = await startTestServer();
    try {
      const fd = new FormData();
      fd.set('dataset_name', 'x');
      fd.set('bucket_path', folder.dir);
      const res = await fetch(`${bare.url}/api/v1/dataset`, { method: 'POST', headers: { authorization: `Bearer ${bare.admin.token}` }, body: fd });
      expect(res.status).toBe(400);
      expect((await res.json()).detail).toMatch(/STRATA_IMPORT_ROOTS/);
    } finally {
      await bare.close();
    }
  });

  it('refuses, like a missing folder, a folder with no media file in it, and makes no dataset', async () => {
    const { writeFile } = await import('node:fs/promises');
    const empty = join(root, 'empty-folder');
    await mkdir(join(empty, 'sub', 'deeper'), { recursive: true });
    const notes = join(root, 'only-notes');
    await mkdir(join(notes, 'sub'), { recursive: true });
    await writeFile(join(notes, 'sub', 'readme.txt'), 'no pictures here');
    await writeFile(join(notes, '.DS_Store'), 'x');
    const before = (await getJson(t.url, '/api/v1/datasets', t.admin.token)).body.length;
    for (const bucket_path of [empty, `file://${empty}`, notes]) {
      const res = await createDataset({ dataset_name: 'no media', bucket_path });
      expect(res.status, bucket_path).toBe(400);
      expect((await res.json()).detail).toBe(`Invalid path or no media files found at ${bucket_path}: the folder holds no media files (see the supported types in the README)`);
    }
    expect((await getJson(t.url, '/api/v1/datasets', t.admin.token)).body.length).toBe(before);
  });

  it('ends in ERROR with a clear message when a folder has no valid media', async () => {
    const dir = join(root, 'nothing-valid');
    await mkdir(dir);
    const { copyFile } = await import('node:fs/promises');
    await copyFile(join(folder.dir, 'empty.jpg'), join(dir, 'empty.jpg'));
    const res = await createDataset({ dataset_name: 'nothing', bucket_path: dir });
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, (await res.json()).dataset_id, ['READY', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'ERROR', status: 'FATAL_ERROR', n_images: 0 });
    expect(dataset.fatal_error_msg).toMatch(/No valid media/);
  });
});

describe('deleting', () => {
  it('removes the dataset, its rows and its files', async () => {
    const res = await createDataset({ dataset_name: 'to delete', bucket_path: folder.dir });
    const id = (await res.json()).dataset_id;
    await waitForDatasetStatus(t.url, t.admin.token, id, ['READY']);
    expect(existsSync(join(t.dataDir, 'blobs', 'datasets', id))).toBe(true);
    const del = await fetch(`${t.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(del.status).toBe(200);
    expect((await getJson(t.url, `/api/v1/dataset/${id}`, t.admin.token)).status).toBe(404);
    expect(existsSync(join(t.dataDir, 'blobs', 'datasets', id))).toBe(false);
    expect(existsSync(folder.dir)).toBe(true); // the source folder is the user's: never touched
  });
});

describe('HTTP basics', () => {
  it('answers unknown routes with 404 {detail} and a request id', async () => {
    const res = await fetch(`${t.url}/api/v1/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(await res.json()).toMatchObject({ detail: 'Not Found', request_id: res.headers.get('x-request-id') });
  });

  it('refuses malformed and oversized JSON without crashing', async () => {
    const bad = await fetch(`${t.url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' });
    expect(bad.status).toBe(400);
    const huge = await fetch(`${t.url}/api/v1/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'x'.repeat(2 * 1024 * 1024), password: 'y' }) });
    expect(huge.status).toBe(413);
    expect((await fetch(`${t.url}/api/v1/health`)).status).toBe(200);
  });

  it('refuses numbers that are not finite in the query or the path with 422, as any schema error', async () => {
    const auth = { authorization: `Bearer ${t.admin.token}` };
    const missing = '00000000-0000-0000-0000-000000000000';
    const cases: Array<[string, string, string]> = [
      [`/api/v1/dataset/${missing}/media?page_size=Infinity`, 'query', 'page_size'],
      [`/api/v1/dataset/${missing}/media?page_number=1e309`, 'query', 'page_number'],
      [`/api/v1/dataset/${missing}/errors?limit=-Infinity`, 'query', 'limit'],
      [`/api/v1/dataset/${missing}/media/x/duplicates?threshold=Infinity`, 'query', 'threshold'],
      [`/api/v1/explore/${missing}?page_number=Infinity`, 'query', 'page_number'],
      [`/api/v1/ingestion/${missing}/process_files/Infinity`, 'path', 'trans_id'],
    ];
    for (const [path, part, key] of cases) {
      const res = await fetch(`${t.url}${path}`, { method: path.includes('/process_files/') ? 'POST' : 'GET', headers: auth });
      expect(res.status, path).toBe(422);
      expect((await res.json()).detail, path).toEqual([{ type: 'finite_number', loc: [part, key], msg: 'Input should be a finite number', input: null }]);
    }
    // A finite value still reaches the handler (here: the dataset does not exist).
    expect((await fetch(`${t.url}/api/v1/dataset/${missing}/media?page_size=10`, { headers: auth })).status).toBe(404);
  });

  it('refuses a multipart body without a boundary with 400, and offsets past any table with 422', async () => {
    const auth = { authorization: `Bearer ${t.admin.token}` };
    const post = (contentType: string, body: string) => fetch(`${t.url}/api/v1/dataset`, { method: 'POST', headers: { ...auth, 'content-type': contentType }, body });
    const noBoundary = await post('multipart/form-data', 'x');
    expect(noBoundary.status).toBe(400);
    expect((await noBoundary.json()).detail).toMatch(/^Malformed multipart body: .*boundary/i);
    const missing = '00000000-0000-0000-0000-000000000000';
    expect((await fetch(`${t.url}/api/v1/dataset/${missing}/errors?offset=1e19`, { headers: auth })).status).toBe(422);
    expect((await fetch(`${t.url}/api/v1/health`)).status).toBe(200);
  });

  it('refuses NUL characters in the URL, JSON bodies and form fields with 400', async () => {
    const auth = { authorization: `Bearer ${t.admin.token}` };
    const url = await fetch(`${t.url}/api/v1/explore/x?vql=%5B%7B%22text%22%3A%7B%22op%22%3A%22fts%22%2C%22value%22%3A%22a%00b%22%7D%7D%5D`, { headers: auth });
    expect(url.status).toBe(400);
    expect((await url.json()).detail).toMatch(/NUL/);
    const json = await fetch(`${t.url}/api/v1/dataset`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ dataset_name: 'a\u0000b', bucket_path: folder.dir }) });
    expect(json.status).toBe(400);
    const form = new FormData();
    form.set('dataset_name', 'ok');
    form.set('bucket_path', folder.dir);
    form.set('description', 'nul\u0000inside');
    expect((await fetch(`${t.url}/api/v1/dataset`, { method: 'POST', headers: auth, body: form })).status).toBe(400);
  });

  it('serves the OpenAPI document to clients, and Swagger UI to browsers', async () => {
    const res = await fetch(`${t.url}/api/v1/docs`);
    const doc = await res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/dataset/{dataset_id}', '/api/v1/datasets/{dataset_id}/creation-status', '/api/v1/ingestion/{dataset_id}/data_files/{trans_id}']));
    expect(doc.paths['/api/v1/dataset/{dataset_id}/duplicates'].get.responses['200'].content['application/json'].schema.properties.groups.type).toBe('array');
    expect(await (await fetch(`${t.url}/api/v1/openapi.json`)).json()).toEqual(doc);
    expect(await (await fetch(`${t.url}/api/v1/docs`, { headers: { accept: 'application/json' } })).json()).toEqual(doc);
    const page = await fetch(`${t.url}/api/v1/docs`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('swagger-ui');
    const bundle = await fetch(`${t.url}/api/v1/docs/static/swagger-ui-bundle.js`);
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'application/javascript; charset=utf-8']);
  });
});
