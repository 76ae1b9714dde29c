import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
