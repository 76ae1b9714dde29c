import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFor, getJson, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { photosDir } from '../helpers/test-media.ts';

/**
 * A Python script written like Visual Layer's documentation examples (requests + PyJWT) runs the
 * whole flow against the server, unchanged but for the base URL: JWT, the four-step upload,
 * polling until READY, creation-status, creation from a bucket path (form-urlencoded and
 * multipart), listing (with include_hidden), visual search (with VL's fractional bounding box),
 * the explore fields it reads, sharing (user_email, manage/invite, manage/share) and a 422.
 * The Debian packages python3-requests and python3-jwt are required; CI installs them, so their
 * absence is a failure, not a skip.
 */

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'vl_client.py');
const ADMIN = { email: 'python-admin@example.com', password: 'python-admin-password-1' };
const UPLOADS = 5;
const BUCKET_PHOTOS = 6;
const COLLEAGUE = 'colleague@example.com';

const run = promisify(execFile);

let root: string;
let server: ServerProcess | undefined;
let admin: Credentials;
let uploadPaths: string[];
let bucketDir: string;
let queryImage: string;
let queriedName: string;

async function pythonPrerequisites(): Promise<void> {
  try {
    await run(PYTHON, ['-c', 'import jwt, requests'], { timeout: 30_000 });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    throw new Error(
      `${PYTHON} cannot import jwt and requests, which this test needs ` +
        `(install the Debian packages: apt-get install -y python3-jwt python3-requests): ${e.code === 'ENOENT' ? `${PYTHON} not found` : (e.stderr?.trim() ?? e.message)}`,
    );
  }
}

beforeAll(async () => {
  root = await tempDir('strata-python-');
  bucketDir = join(root, 'import', 'bucket');
  const uploadDir = join(root, 'uploads');
  await mkdir(bucketDir, { recursive: true });
  await mkdir(uploadDir, { recursive: true });
  const source = await photosDir();
  const small: string[] = [];
  for (const name of (await readdir(source)).sort()) {
    if ((await stat(join(source, name))).size <= 600_000) small.push(name);
  }
  const jpegs = small.filter((n) => n.endsWith('.jpg'));
  uploadPaths = [];
  for (const name of jpegs.slice(0, UPLOADS)) {
    await copyFile(join(source, name), join(uploadDir, name));
    uploadPaths.push(join(uploadDir, name));
  }
  // The bucket folder mixes JPEG and PNG, none of them among the uploads.
  const rest = small.filter((n) => !jpegs.slice(0, UPLOADS).includes(n));
  const bucketNames = [...rest.filter((n) => n.endsWith('.png')).slice(0, BUCKET_PHOTOS / 2), ...rest.filter((n) => n.endsWith('.jpg')).slice(0, BUCKET_PHOTOS / 2)];
  for (const name of bucketNames) await copyFile(join(source, name), join(bucketDir, name));
  // The query image: one of the bucket's photos, re-encoded smaller.
  queryImage = join(root, 'query.jpg');
  queriedName = bucketNames.at(-1)!;
  await sharp(join(bucketDir, queriedName)).resize(320).jpeg({ quality: 75 }).toFile(queryImage);
  expect(uploadPaths).toHaveLength(UPLOADS);
  expect(bucketNames).toHaveLength(BUCKET_PHOTOS);

  server = await startServerProcess({
    dataDir: join(root, 'data'),
    importRoots: [join(root, 'import')],
    env: { STRATA_ADMIN_EMAIL: ADMIN.email, STRATA_ADMIN_PASSWORD: ADMIN.password, STRATA_WORKERS: '2' },
  });
  // Key pair made as a user would: log in, then ask for API credentials with the session cookie.
  admin = await credentialsFor(server.url, ADMIN.email, ADMIN.password);
  // A colleague to share with, registered with the CLI as an operator would.
  await run(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), '../../bin/strata.mjs'), 'user', 'add', '--email', COLLEAGUE, '--password', 'colleague-password-1', '--role', 'viewer'], {
    env: { ...process.env, STRATA_DATA_DIR: join(root, 'data'), STRATA_LOG_LEVEL: 'warn' },
    timeout: 300_000,
  });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a Python client written from Visual Layer’s docs', () => {
  it(`finds requests and PyJWT in ${PYTHON}`, async () => {
    await pythonPrerequisites();
  });

  it('runs the whole flow: upload, poll, creation-status, bucket (form and multipart), list, search, share, errors', async () => {
    await pythonPrerequisites();
    let stdout: string;
    try {
      ({ stdout } = await run(PYTHON, [SCRIPT], {
        timeout: 240_000,
        maxBuffer: 16 << 20,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          LANG: 'C.UTF-8',
          VL_BASE_URL: server!.url,
          VL_API_KEY: admin.apiKey,
          VL_API_SECRET: admin.apiSecret,
          VL_UPLOAD_FILES: uploadPaths.join(delimiter),
          VL_BUCKET_PATH: bucketDir,
          VL_POLL_SECONDS: '0.3',
          VL_POLL_TIMEOUT_SECONDS: '180',
          VL_QUERY_IMAGE: queryImage,
          VL_SHARE_EMAIL: COLLEAGUE,
        },
      }));
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`vl_client.py failed: ${e.message}\n--- stderr ---\n${e.stderr}\n--- stdout ---\n${e.stdout}\n--- server ---\n${server!.outputTail()}`);
    }
    const summary = JSON.parse(stdout);

    // PyJWT's header: HS256, typ JWT, kid = the API key.
    expect(summary.jwt_header).toEqual({ alg: 'HS256', typ: 'JWT', kid: admin.apiKey });

    expect(summary.upload).toMatchObject({
      display_name: 'Python upload',
      source_type: 'UPLOAD',
      status_new: 'READY',
      status: 'READY',
      progress: 100,
      n_images: UPLOADS,
      n_videos: 0,
      n_objects: 0,
      fatal_error_msg: null,
      upload_http_status: 202,
      process_http_status: 202,
      creation_status: { status: 'READY', progress: 100 },
    });
    expect(Number.isInteger(summary.upload.trans_id)).toBe(true);

    for (const [key, name] of [['bucket_form', 'Python bucket (form)'], ['bucket_multipart', 'Python bucket (multipart)']] as const) {
      expect(summary[key], key).toMatchObject({
        display_name: name,
        source_type: 'BUCKET',
        status_new: 'READY',
        status: 'READY',
        progress: 100,
        n_images: BUCKET_PHOTOS,
        n_videos: 0,
        fatal_error_msg: null,
        creation_status: { status: 'READY', progress: 100 },
      });
    }

    // Three distinct datasets, all in the listing, newest first.
    const ids = [summary.upload.dataset_id, summary.bucket_form.dataset_id, summary.bucket_multipart.dataset_id];
    expect(new Set(ids).size).toBe(3);
    expect(summary.datasets.map((d: { id: string }) => d.id)).toEqual([...ids].reverse());
    expect(summary.datasets.every((d: { status_new: string }) => d.status_new === 'READY')).toBe(true);

    // The polling loop saw a progress that never went backwards and ended at 100.
    for (const key of ['upload', 'bucket_form', 'bucket_multipart']) {
      const progress = (summary[key].polled as Array<{ progress: number }>).map((p) => p.progress);
      expect(progress.at(-1), key).toBe(100);
      for (let i = 1; i < progress.length; i++) expect(progress[i], `${key}: ${progress.join(', ')}`).toBeGreaterThanOrEqual(progress[i - 1]!);
    }

    // Visual search as the docs write it, the whole image and VL's fractional box; the query
    // is a smaller copy of one of the bucket's photos, found first.
    for (const key of ['visual_search', 'visual_search_box']) {
      expect(summary[key], key).toMatchObject({ anchor_type: 'UPLOAD', n_clusters: BUCKET_PHOTOS, top_relevance_score_type: 'cosine_distance' });
      expect(summary[key].top_image_uri, key).toMatch(/^\/api\/v1\/dataset\/.+\/image$/);
    }
    expect(summary.visual_search.top_file_name).toBe(queriedName);
    expect(summary.visual_search.top_relevance_score).toBeLessThan(0.1);
    expect(summary.browse).toMatchObject({ formed_by: 'connected_components', labels: null, preview: { caption: null, bounding_box: null, user_tags: null, labels: null } });
    expect(summary.browse.size_display_value).toMatch(/^\d+(B|KB|MB)$/);
    expect(summary.browse.preview.image_id).toBe(summary.browse.preview.media_id);
    expect(summary.browse.preview.image_uri).toBe(summary.browse.preview.media_uri);

    // Shared with the form field user_email, then the newer invite; the member list shows both.
    expect(summary.share).toEqual({ share_http_status: 200, invite_body: null, members: [{ email: ADMIN.email, role: 'owner' }, { email: COLLEAGUE, role: 'viewer' }] });
    // A 422 in FastAPI's shape, read as the docs' error handler reads it.
    expect(summary.validation_error).toEqual({ status: 422, detail: [{ type: 'missing', loc: ['query', 'dataset_name'], msg: 'Field required', input: null }] });

    // What the script saw is what the server holds.
    for (const id of ids) {
      const res = await getJson(server!.url, `/api/v1/dataset/${id}`, admin.token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status_new: 'READY', owned_by: ADMIN.email });
    }
  }, 300_000);
});
