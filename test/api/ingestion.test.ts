import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { bombPng, fixturesDir } from '../helpers/folders.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ STRATA_MAX_UPLOAD_FILE_BYTES: String(200 * 1024) });
});
afterAll(async () => t?.close());

const auth = () => ({ authorization: `Bearer ${t.admin.token}` });

async function newUpload(name: string): Promise<{ id: string; trans: number }> {
  const ds = await getJson(t.url, `/api/v1/ingestion/new_dataset?dataset_name=${encodeURIComponent(name)}`, t.admin.token);
  expect(ds.status).toBe(200);
  const trans = await getJson(t.url, `/api/v1/ingestion/${ds.body.dataset_id}/data_files`, t.admin.token);
  expect(trans.status).toBe(200);
  expect(Number.isInteger(trans.body.trans_id)).toBe(true);
  return { id: ds.body.dataset_id, trans: trans.body.trans_id };
}

async function upload(id: string, trans: number, files: Array<[string, Buffer]>): Promise<Response> {
  const fd = new FormData();
  for (const [name, data] of files) fd.append('files', new Blob([new Uint8Array(data)]), name);
  return fetch(`${t.url}/api/v1/ingestion/${id}/data_files/${trans}`, { method: 'POST', headers: auth(), body: fd });
}

const fixture = (name: string) => readFile(join(fixturesDir, name));

/** An upload of one file whose last bytes come `delayMs` after the first, and its answer. */
function streamedUpload(id: string, trans: number, delayMs: number): Promise<{ status: number; body: string }> {
  const url = new URL(`${t.url}/api/v1/ingestion/${id}/data_files/${trans}`);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...auth(), 'content-type': 'multipart/form-data; boundary=BND', 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.write('--BND\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\n\r\nfirst bytes');
    setTimeout(() => req.end(' last bytes\r\n--BND--\r\n'), delayMs);
  });
}

describe('the four-step upload flow', () => {
  it('takes files in several calls and indexes them', async () => {
    const { id, trans } = await newUpload('uploaded');
    expect((await getJson(t.url, `/api/v1/dataset/${id}`, t.admin.token)).body).toMatchObject({ status_new: 'DRAFT', status: 'UPLOADING', source_type: 'UPLOAD', progress: 0 });

    const first = await upload(id, trans, [['a.jpg', await fixture('scene.jpg')], ['b.png', await fixture('scene.png')]]);
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ files_uploaded: 2 });
    // The same name twice is two files: uploads are keyed by Strata, not by client names.
    expect((await upload(id, trans, [['a.jpg', await fixture('scene.webp')], ['notes.txt', Buffer.from('hello')], ['bomb.png', bombPng()]])).status).toBe(202);

    const go = await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() });
    expect(go.status).toBe(202);
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 3, progress: 100 });
    expect(dataset.processing).toMatchObject({ total: 5, done: 3, failed: 2 });
    const errors = await getJson(t.url, `/api/v1/dataset/${id}/errors`, t.admin.token);
    expect(errors.body.map((e: { file_name: string }) => e.file_name).sort()).toEqual(['bomb.png', 'notes.txt']);

    // Once submitted, the transaction and the dataset take no more uploads.
    expect((await upload(id, trans, [['late.jpg', await fixture('scene.jpg')]])).status).toBe(409);
    expect((await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() })).status).toBe(409);
  });

  it('records a request sent twice once: one item per file, and lists the files with their digests', async () => {
    const { id, trans } = await newUpload('sent twice');
    const files: Array<[string, Buffer]> = [['a.jpg', await fixture('scene.jpg')], ['b.png', await fixture('scene.png')]];
    expect(await (await upload(id, trans, files)).json()).toMatchObject({ files_uploaded: 2, files_already_uploaded: 0 });
    expect(await (await upload(id, trans, files)).json()).toMatchObject({ files_uploaded: 2, files_already_uploaded: 2 });

    const listed = await getJson(t.url, `/api/v1/ingestion/${id}/data_files/${trans}`, t.admin.token);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ trans_id: trans, state: 'open' });
    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(listed.body.files.map(({ file_name, size_bytes, sha256 }: any) => [file_name, size_bytes, sha256])).toEqual(files.map(([n, b]) => [n, b.length, sha256(b)]));
    const second = await getJson(t.url, `/api/v1/ingestion/${id}/data_files/${trans}?after=${listed.body.files[0].id}&limit=5`, t.admin.token);
    expect(second.body.files.map((f: { file_name: string }) => f.file_name)).toEqual(['b.png']);
    expect((await getJson(t.url, `/api/v1/ingestion/${id}/data_files/${trans + 1000}`, t.admin.token)).status).toBe(404);
    const stored = (await readdir(t.dataDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && join(e.parentPath, e.name).includes(`${id}/uploads/`));
    expect(stored).toHaveLength(2);

    expect((await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() })).status).toBe(202);
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 2 });
    expect(dataset.processing).toMatchObject({ total: 2, done: 2, failed: 0 });
    const spec = await getJson(t.url, '/api/v1/docs', t.admin.token);
    const op = spec.body.paths['/api/v1/ingestion/{dataset_id}/data_files/{trans_id}'].get;
    expect(Object.keys(op.responses['200'].content['application/json'].schema.properties.files.items.properties)).toEqual(['id', 'file_name', 'size_bytes', 'sha256']);
  });

  it('refuses file names that climb, start at the root or hold backslashes or control characters, and writes nothing outside the data dir', async () => {
    const { id, trans } = await newUpload('bad names');
    const before = await readdir(join(t.dataDir, '..'));
    for (const name of ['../../escape.jpg', 'dir/../../escape.jpg', '/etc/escape.jpg', 'dir//file.jpg', 'dir/./file.jpg', 'dir/', 'back\\slash.jpg', 'bell\u0007.jpg', 'line\nbreak.jpg']) {
      const res = await upload(id, trans, [[name, await fixture('scene.jpg')]]);
      expect(res.status, name).toBe(400);
      expect((await res.json()).detail).toMatch(/Invalid file name|no usable name/);
    }
    expect(await readdir(join(t.dataDir, '..'))).toEqual(before);
  });

  it('keeps the relative path of a file from an uploaded folder as its name, storing it under a generated key', async () => {
    const { id, trans } = await newUpload('folder upload');
    const res = await upload(id, trans, [['trip/day 1/a.jpg', await fixture('scene.jpg')], ['trip/b.png', await fixture('scene.png')]]);
    expect(res.status).toBe(202);
    const listed = await getJson(t.url, `/api/v1/ingestion/${id}/data_files/${trans}`, t.admin.token);
    expect(listed.body.files.map((f: { file_name: string }) => f.file_name)).toEqual(['trip/day 1/a.jpg', 'trip/b.png']);
    // No file or folder is named after the client's path.
    expect((await readdir(t.dataDir, { recursive: true })).filter((f) => f.includes('trip') || f.includes('day 1'))).toEqual([]);
    expect((await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() })).status).toBe(202);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
    const media = await getJson(t.url, `/api/v1/dataset/${id}/media`, t.admin.token);
    expect(media.body.media.map((m: { file_name: string }) => m.file_name).sort()).toEqual(['trip/b.png', 'trip/day 1/a.jpg']);
  });

  it('keeps quotes in a file name, which FormData sends as %22', async () => {
    const { id, trans } = await newUpload('quoted names');
    expect((await upload(id, trans, [['a "b".jpg', await fixture('scene.jpg')], ['trip/"day" 2/c.png', await fixture('scene.png')]])).status).toBe(202);
    const listed = await getJson(t.url, `/api/v1/ingestion/${id}/data_files/${trans}`, t.admin.token);
    expect(listed.body.files.map((f: { file_name: string }) => f.file_name)).toEqual(['a "b".jpg', 'trip/"day" 2/c.png']);
    expect((await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() })).status).toBe(202);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
    const media = await getJson(t.url, `/api/v1/dataset/${id}/media`, t.admin.token);
    expect(media.body.media.map((m: { file_name: string }) => m.file_name).sort()).toEqual(['a "b".jpg', 'trip/"day" 2/c.png']);
  });

  it('refuses a file over the size limit with 413, keeps none of it and keeps serving', async () => {
    const { id, trans } = await newUpload('too big');
    const res = await upload(id, trans, [['big.jpg', Buffer.alloc(300 * 1024, 1)]]);
    expect(res.status).toBe(413);
    expect((await fetch(`${t.url}/api/v1/health`)).status).toBe(200);
    // The transaction goes on without the refused file: its first 200 KB are not kept either.
    expect((await upload(id, trans, [['small.jpg', await fixture('scene.jpg')]])).status).toBe(202);
    expect((await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() })).status).toBe(202);
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 1 });
    expect((await getJson(t.url, `/api/v1/dataset/${id}/errors`, t.admin.token)).body).toEqual([]);
  });

  it('answers unknown transactions with 404 and non-multipart uploads with 400', async () => {
    const { id } = await newUpload('unknown trans');
    expect((await upload(id, 9999, [['a.jpg', await fixture('scene.jpg')]])).status).toBe(404);
    const res = await fetch(`${t.url}/api/v1/ingestion/${id}/data_files/1`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(400);
    expect((await upload('00000000-0000-0000-0000-000000000000', 1, [['a.jpg', await fixture('scene.jpg')]])).status).toBe(404);
  });

  it('refuses multipart bodies that do not parse with 400, stores nothing of them and keeps serving', async () => {
    const { id, trans } = await newUpload('malformed');
    const post = (contentType: string, body: string) =>
      fetch(`${t.url}/api/v1/ingestion/${id}/data_files/${trans}`, { method: 'POST', headers: { ...auth(), 'content-type': contentType }, body, signal: AbortSignal.timeout(20_000) });
    const noBoundary = await post('multipart/form-data', 'x');
    expect(noBoundary.status).toBe(400);
    expect((await noBoundary.json()).detail).toMatch(/^Malformed multipart body/);
    // The body ends inside the file: no closing boundary.
    const cutOff = await post('multipart/form-data; boundary=BND', '--BND\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\n\r\nnot all of a jpeg');
    expect(cutOff.status).toBe(400);
    expect((await cutOff.json()).detail).toMatch(/Malformed multipart body/);
    // Cut off in a later part, after a whole file, a refused name or another field's file:
    // answered (not left hanging) with every partial write removed.
    const part = (field: string, name: string) => `--BND\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n\r\n`;
    for (const first of [part('files', 'whole.jpg'), part('files', '../refused.jpg'), part('other', 'skipped.jpg')]) {
      const later = await post('multipart/form-data; boundary=BND', `${first}abc\r\n${part('files', 'cut.jpg')}def`);
      expect(later.status, first).toBe(400);
    }
    const partial = (await readdir(t.dataDir, { recursive: true })).filter((f) => f.endsWith('.part'));
    expect(partial).toEqual([]);
    // Nothing of the cut-off file was kept, not even a partial write.
    const stored = (await readdir(t.dataDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && join(e.parentPath, e.name).includes(`${id}/uploads/`));
    // Only the one whole file sent before a cut-off part.
    expect(stored.map((e) => e.name)).toHaveLength(1);
    expect((await fetch(`${t.url}/api/v1/health`)).status).toBe(200);
  });

  it('answers an upload whose dataset is deleted meanwhile with 404 and leaves none of its files', async () => {
    const { id, trans } = await newUpload('deleted meanwhile');
    const answered = streamedUpload(id, trans, 700);
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${t.url}/api/v1/dataset/${id}`, { method: 'DELETE', headers: auth() })).status).toBe(200);
    const res = await answered;
    expect(res.status, res.body).toBe(404);
    expect(JSON.parse(res.body).detail).toBe('The dataset was deleted during the upload');
    const left = (await readdir(t.dataDir, { recursive: true })).filter((f) => f.includes(id));
    expect(left).toEqual([]);
  });

  it('refuses with 409 a file still uploading when its transaction is submitted, and keeps none of it', async () => {
    const { id, trans } = await newUpload('submitted meanwhile');
    expect((await upload(id, trans, [['first.jpg', await fixture('scene.jpg')]])).status).toBe(202);
    const answered = streamedUpload(id, trans, 700);
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() })).status).toBe(202);
    const res = await answered;
    expect(res.status, res.body).toBe(409);
    expect(JSON.parse(res.body).detail).toMatch(/was submitted for processing while "a.jpg" was uploading/);
    const uploads = (await readdir(t.dataDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && join(e.parentPath, e.name).includes(`${id}/uploads/`));
    expect(uploads).toHaveLength(1);
  });

  it('ends in ERROR when nothing uploaded is valid media', async () => {
    const { id, trans } = await newUpload('all broken');
    await upload(id, trans, [['empty.jpg', Buffer.alloc(0)], ['text.jpg', Buffer.from('not an image')]]);
    await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() });
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
    expect(dataset.status_new).toBe('ERROR');
    expect(dataset.fatal_error_msg).toMatch(/No valid media: all 2 files failed/);
  });

  it('indexes an uploaded video as frames', async () => {
    const { id, trans } = await newUpload('video');
    await upload(id, trans, [['clip.mp4', await fixture('clip.mp4')]]);
    await fetch(`${t.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: auth() });
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
    expect(dataset).toMatchObject({ status_new: 'READY', n_videos: 1, n_images: 0 });
    expect(dataset.processing.n_frames).toBeGreaterThan(0);
  });
});
