import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/create-store.ts';
import { getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { fixturesDir, tempDir } from '../helpers/folders.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

// Files a user's folder may hold that try to make Strata read elsewhere, or that no listing
// or decoder expects: each must end as a per-item failure, never a dataset error or a stuck task.

let t: TestServer;
let root: string;
let outside: string;

beforeAll(async () => {
  root = await tempDir('strata-root-');
  outside = await tempDir('strata-outside-');
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
});
afterAll(async () => t?.close());

async function indexFolder(dir: string): Promise<{ id: string; dataset: any; errors: Array<{ file_name: string; reason: string }> }> {
  const fd = new FormData();
  fd.set('dataset_name', dir);
  fd.set('bucket_path', dir);
  const res = await fetch(`${t.url}/api/v1/dataset`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: fd });
  expect(res.status).toBe(200);
  const id = (await res.json()).dataset_id;
  const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR']);
  const errors = await getJson(t.url, `/api/v1/dataset/${id}/errors`, t.admin.token);
  return { id, dataset, errors: errors.body };
}

async function folderWith(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await copyFile(join(fixturesDir, 'scene.jpg'), join(dir, 'scene.jpg'));
  for (const [file, contents] of Object.entries(files)) await writeFile(join(dir, file), contents);
  return dir;
}

describe('files that name other files', () => {
  it('refuses playlists and concat lists posing as videos, reading nothing outside the roots', async () => {
    const secret = join(outside, 'video.mp4');
    await copyFile(join(fixturesDir, 'clip.mp4'), secret);
    const dir = await folderWith('playlists', {
      'holiday.mp4': `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4.0,\n${secret}\n#EXT-X-ENDLIST\n`,
      'relative.mkv': `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:4.0,\n../../${outside.split('/').at(-1)}/video.mp4\n#EXT-X-ENDLIST\n`,
      'list.mov': `ffconcat version 1.0\nfile '${secret}'\n`,
    });
    const { dataset, errors } = await indexFolder(dir);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 1, n_videos: 0 });
    expect(dataset.processing).toMatchObject({ total: 4, done: 1, failed: 3 });
    expect(errors.map((e) => e.file_name).sort()).toEqual(['holiday.mp4', 'list.mov', 'relative.mkv']);
    for (const e of errors) expect(e.reason).toMatch(/not a readable video/);
  });
});

describe('names a listing must keep apart', () => {
  it('indexes x\\y.jpg (a backslash in a name) and x/y.jpg as two files', async () => {
    const dir = await folderWith('backslash', {});
    await mkdir(join(dir, 'x'));
    await copyFile(join(fixturesDir, 'orientation-6.jpg'), join(dir, 'x\\y.jpg'));
    await copyFile(join(fixturesDir, 'scene-cmyk.jpg'), join(dir, 'x', 'y.jpg'));
    const { dataset, errors } = await indexFolder(dir);
    expect(errors).toEqual([]);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 3 });
    expect(dataset.processing).toMatchObject({ total: 3, done: 3, failed: 0 });
  });

  it('records a file whose name is not UTF-8 as a per-item failure and indexes the rest', async () => {
    const dir = await folderWith('not-utf8', {});
    await copyFile(join(fixturesDir, 'scene.png'), join(dir, 'caf\u00e9.png'));
    await copyFile(join(fixturesDir, 'scene.jpg'), Buffer.concat([Buffer.from(`${dir}/bad_`), Buffer.from([0xff]), Buffer.from('.jpg')]));
    const { dataset, errors } = await indexFolder(dir);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 2, fatal_error_msg: null });
    expect(dataset.processing).toMatchObject({ total: 3, done: 2, failed: 1 });
    expect(errors).toEqual([
      { file_name: 'bad_\ufffd.jpg', original_uri: `${pathToFileURL(dir).href}/bad_%FF.jpg`, stage: 'discover', reason: expect.stringMatching(/not valid UTF-8/) },
    ]);
  });

  it('records FIFOs named like media as not regular files, never opening them', async () => {
    const dir = await folderWith('fifo', {});
    execFileSync('mkfifo', [join(dir, 'pipe.jpg')]);
    await symlink(join(dir, 'pipe.jpg'), join(dir, 'link-to-pipe.mp4'));
    const { dataset, errors } = await indexFolder(dir);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 1 });
    expect(dataset.processing).toMatchObject({ total: 3, done: 1, failed: 2 });
    expect(errors.map((e) => [e.file_name, e.reason]).sort()).toEqual([
      ['link-to-pipe.mp4', 'not a regular file'],
      ['pipe.jpg', 'not a regular file'],
    ]);
  });
});

describe('damaged files', () => {
  it('records a JPEG header followed by 50 MB of zeros as corrupt, not as an image', async () => {
    const photo = await readFile(join(fixturesDir, 'scene.jpg'));
    const header = photo.subarray(0, photo.indexOf(Buffer.from([0xff, 0xda])) + 40);
    const dir = await folderWith('zeros', { 'zeros.jpg': Buffer.concat([header, Buffer.alloc(50 << 20)]) });
    const { dataset, errors } = await indexFolder(dir);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 1 });
    expect(errors).toEqual([{ file_name: 'zeros.jpg', original_uri: expect.any(String), stage: 'analyze', reason: expect.stringMatching(/^truncated or corrupt image data/) }]);
  });
});

describe('a task counting more files than its listing recorded', () => {
  it('is finished at the next start instead of staying INDEXING', async () => {
    const dir = await folderWith('recount', {});
    const first = await startTestServer({ STRATA_IMPORT_ROOTS: root });
    let id: string;
    try {
      const fd = new FormData();
      fd.set('dataset_name', 'recount');
      fd.set('bucket_path', dir);
      const res = await fetch(`${first.url}/api/v1/dataset`, { method: 'POST', headers: { authorization: `Bearer ${first.admin.token}` }, body: fd });
      id = (await res.json()).dataset_id;
      await waitForDatasetStatus(first.url, first.admin.token, id, ['READY']);
    } finally {
      await first.close({ keepData: true });
    }
    // What a listing that lost a file left behind: the task at its items stage, one unit short.
    const store = await createSqliteStore(first.dataDir);
    const taskId = (await store.datasets.get(id))!.lastTaskId!;
    await store.tasks.update(taskId, { status: 'RUNNING', stage: 'items', total: 2, endedAt: null });
    await store.datasets.update(id, { status: 'INDEXING' });
    await store.close();

    const second = await startTestServer({ STRATA_IMPORT_ROOTS: root }, { dataDir: first.dataDir });
    try {
      const { dataset } = await waitForDatasetStatus(second.url, second.admin.token, id, ['READY', 'ERROR']);
      expect(dataset).toMatchObject({ status_new: 'READY', n_images: 1 });
      expect(dataset.processing).toMatchObject({ status: 'COMPLETED', total: 1, done: 1, failed: 0 });
    } finally {
      await second.close();
    }
  });
});
