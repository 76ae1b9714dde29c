import { createHash } from 'node:crypto';
import { readFile, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFor, getJson, waitForDatasetStatus, type Credentials } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';

/**
 * kill -9 while a request uploads several real photos: the files recorded before the crash
 * stay recorded, the one cut off leaves no partial file after the restart, and a client that
 * sends the whole request again ends with exactly one item per file.
 */

const ADMIN = { email: 'upload-crash-admin@example.com', password: 'upload-crash-password-1' };
const PHOTOS = 6;
const BOUNDARY = 'strata-upload-crash';

let root: string;
let dataDir: string;
let files: Array<{ name: string; bytes: Buffer }>;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  root = await tempDir('strata-upload-crash-');
  dataDir = join(root, 'data');
  const dir = join(root, 'photos');
  const names = await copySmallPhotos(dir, PHOTOS, 400_000);
  files = await Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(dir, name)) })));
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const s = await startServerProcess({ dataDir, env: { STRATA_WORKERS: '1', STRATA_ADMIN_EMAIL: ADMIN.email, STRATA_ADMIN_PASSWORD: ADMIN.password } });
  servers.push(s);
  return s;
}

const partHeader = (name: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: image/jpeg\r\n\r\n`;

/** Partial writes anywhere in the data directory. */
async function partialFiles(): Promise<string[]> {
  return (await readdir(dataDir, { recursive: true })).filter((f) => f.endsWith('.part'));
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 60_000; !(await check()); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
  }
}

describe('kill -9 in the middle of a multi-file upload, then the same request again', () => {
  let admin: Credentials;
  let id: string;
  let trans: number;
  let partialAfterRestart: string[];
  let listed: any;
  let final: any;

  beforeAll(async () => {
    const first = await start();
    admin = await credentialsFor(first.url, ADMIN.email, ADMIN.password);
    id = (await getJson(first.url, '/api/v1/ingestion/new_dataset?dataset_name=cut', admin.token)).body.dataset_id;
    trans = (await getJson(first.url, `/api/v1/ingestion/${id}/data_files`, admin.token)).body.trans_id;

    // Every file whole but the last, of which only half is sent; the body never ends.
    const req = request(`${first.url}/api/v1/ingestion/${id}/data_files/${trans}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'transfer-encoding': 'chunked' },
    });
    req.on('error', () => {});
    for (const f of files.slice(0, -1)) req.write(Buffer.concat([Buffer.from(partHeader(f.name)), f.bytes, Buffer.from('\r\n')]));
    const last = files.at(-1)!;
    req.write(Buffer.concat([Buffer.from(partHeader(last.name)), last.bytes.subarray(0, last.bytes.length >> 1)]));
    // Files are stored one after the other: the last one's partial write means the others are recorded.
    await until('the last file is being written', async () => (await partialFiles()).length > 0);
    await first.kill('SIGKILL');
    req.destroy();

    const second = await start();
    partialAfterRestart = await partialFiles();
    const body = Buffer.concat([...files.flatMap((f) => [Buffer.from(partHeader(f.name)), f.bytes, Buffer.from('\r\n')]), Buffer.from(`--${BOUNDARY}--\r\n`)]);
    const resent = await fetch(`${second.url}/api/v1/ingestion/${id}/data_files/${trans}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      body,
    });
    expect(resent.status, await resent.clone().text()).toBe(202);
    listed = (await getJson(second.url, `/api/v1/ingestion/${id}/data_files/${trans}`, admin.token)).body;
    const go = await fetch(`${second.url}/api/v1/ingestion/${id}/process_files/${trans}`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}` } });
    expect(go.status).toBe(202);
    final = (await waitForDatasetStatus(second.url, admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], 180_000)).dataset;
  }, 300_000);

  it('leaves no partial file behind once restarted', () => {
    expect(partialAfterRestart).toEqual([]);
  });

  it('lists each file of the transaction once, with its size and SHA-256', () => {
    const expected = files.map((f) => ({ file_name: f.name, size_bytes: f.bytes.length, sha256: createHash('sha256').update(f.bytes).digest('hex') }));
    expect(listed.files.map(({ file_name, size_bytes, sha256 }: any) => ({ file_name, size_bytes, sha256 }))).toEqual(expected);
  });

  it('indexes exactly one item per file', () => {
    expect(final).toMatchObject({ status_new: 'READY', n_images: PHOTOS });
    expect(final.processing).toMatchObject({ total: PHOTOS, done: PHOTOS, failed: 0 });
  });
});
