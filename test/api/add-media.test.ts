import { mkdir, readdir, readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addUser } from '../../src/app/accounts.ts';
import type { DatasetStatus } from '../../src/domain/dataset-status.ts';
import type { MediaProcessor } from '../../src/ports/media-processor.ts';
import { createDatasetFrom, credentialsFor, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { holdCalls } from '../helpers/held-calls.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * add_media and reindex over HTTP on real photos: which states allow them (and enrichment, the
 * other operation a dataset's state gates), who may call them,
 * and the error bodies of Visual Layer's contract (SPEC §6) for every kind of bad source.
 */
let t: TestServer;
let root: string;
let more: string;
let probe: string;

const post = async (path: string, body: FormData | undefined, token = t.admin.token) => {
  const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
};
const form = (fields: Record<string, string> = {}, files: Array<[string, string, Buffer]> = []) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const [field, name, data] of files) f.append(field, new Blob([new Uint8Array(data)]), name);
  return f;
};
const addMedia = (id: string, body: FormData | undefined, token?: string) => post(`/api/v1/dataset/${id}/add_media`, body, token);
const reindex = (id: string, token?: string) => post(`/api/v1/dataset/${id}/reindex`, undefined, token);
const enrich = async (id: string) => {
  const res = await fetch(`${t.url}/api/v1/dataset/${id}/enrich_dataset`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enrichment_models: { IMAGE_TAGGING: 'strata_image_tagger_centernet_v00' } }),
  });
  return { status: res.status, body: await res.json() };
};
const settle = (id: string) => waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], 300_000);

beforeAll(async () => {
  root = await tempDir('strata-add-media-');
  await copySmallPhotos(join(root, 'base'), 4, 400_000);
  more = join(root, 'more');
  await copySmallPhotos(more, 2, 400_000);
  await mkdir(join(root, 'empty'));
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root });
  probe = await createDatasetFrom(t.url, t.admin.token, 'probe', join(root, 'base'));
  expect((await settle(probe)).dataset.status_new).toBe('READY');
}, 400_000);
afterAll(async () => t?.close());

describe('which states allow which operation', () => {
  const states: DatasetStatus[] = ['DRAFT', 'INDEXING', 'READ ONLY', 'PARTIAL INDEX', 'READY', 'ERROR'];
  const allowed: Record<'add_media' | 'reindex' | 'enrich', DatasetStatus[]> = { add_media: ['READY', 'PARTIAL INDEX'], reindex: ['PARTIAL INDEX'], enrich: ['READY'] };
  const cases = states.flatMap((state) => (['add_media', 'reindex', 'enrich'] as const).map((op) => ({ state, op, ok: allowed[op].includes(state) })));
  const start = (op: keyof typeof allowed) => (op === 'add_media' ? addMedia(probe, form({ s3_uri: more })) : op === 'reindex' ? reindex(probe) : enrich(probe));

  it.each(cases)('$op from $state: accepted = $ok', async ({ state, op, ok }) => {
    // The state is set directly: the transient ones (INDEXING, READ ONLY) cannot be caught otherwise without timing.
    await t.server.ctx.store.datasets.update(probe, { status: state });
    const res = await start(op);
    if (ok && op === 'enrich') {
      // The copy is a new dataset; the source is READ ONLY until the copy is made, then READY again.
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await settle(res.body.dataset_id)).dataset.status_new).toBe('READY');
      expect((await settle(probe)).dataset.status_new).toBe('READY');
    } else if (ok) {
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(res.body).toMatchObject({ dataset_id: probe, status: 'READ ONLY' });
      const settled = (await settle(probe)).dataset;
      expect(settled.status_new).toBe(op === 'add_media' ? 'PARTIAL INDEX' : 'READY');
    } else {
      expect(res.status).toBe(409);
      expect(res.body.detail).toBe(`Operation '${op}' is not allowed while the dataset is ${state}`);
    }
    // Put it back where a READY dataset is, for the next case.
    await t.server.ctx.store.datasets.update(probe, { status: 'READY' });
  }, 300_000);

  it('names the running operation when one blocks the call', async () => {
    const res = await addMedia(probe, form({ s3_uri: more }));
    expect(res.status).toBe(202);
    const second = await addMedia(probe, form({ s3_uri: more }));
    const third = await reindex(probe);
    expect(second).toMatchObject({ status: 409, body: { detail: "Operation 'add_media' is blocked while MEDIA_ADDITION task is running" } });
    expect(third).toMatchObject({ status: 409, body: { detail: "Operation 'reindex' is blocked while MEDIA_ADDITION task is running" } });
    expect((await settle(probe)).dataset.status_new).toBe('PARTIAL INDEX');
  }, 300_000);
});

describe('while a batch runs, and after', () => {
  it('keeps browsing, search and duplicates serving the items indexed before it, then extends the saved index without a rebuild', async () => {
    const before = (await getJson(t.url, `/api/v1/dataset/${probe}`, t.admin.token)).body;
    const indexBefore = await t.server.ctx.store.similarity.vectorIndex(probe, 'IMAGES');
    const create = vi.spyOn(t.server.ctx.pipeline.vectors, 'create');
    // Analysis waits at a gate while the test looks at the dataset: READ ONLY for certain.
    const analysis = holdCalls(t.server.ctx.pipeline.media as MediaProcessor, 'analyzeImage');
    try {
      expect((await addMedia(probe, form({ s3_uri: more }))).status).toBe(202);
      const get = (path: string) => getJson(t.url, path, t.admin.token);
      expect((await get(`/api/v1/dataset/${probe}`)).body.status_new).toBe('READ ONLY');
      const listed = await get(`/api/v1/dataset/${probe}/media?page_size=100`);
      expect(listed).toMatchObject({ status: 200, body: { total: before.n_images } });
      // A photo of the base that earlier batches added again: it has duplicates.
      const copied = (await readdir(more))[0];
      const anchor = listed.body.media.find((m: any) => m.file_name === copied).media_id;
      const search = await get(`/api/v1/explore/${probe}?anchor_media_id=${anchor}&anchor_type=MEDIA`);
      expect(search.status).toBe(200);
      expect(search.body.clusters[0].relevance_score).toBeCloseTo(0, 4);
      const duplicates = await get(`/api/v1/dataset/${probe}/media/${anchor}/duplicates?threshold=0.96`);
      expect(duplicates.status).toBe(200);
      expect(duplicates.body.length).toBeGreaterThan(0);
    } finally {
      analysis.restore();
      analysis.open();
    }
    expect((await settle(probe)).dataset).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: before.n_images + 2 });
    // The two new vectors joined the saved index: no index was built.
    expect(create).not.toHaveBeenCalled();
    create.mockRestore();
    expect((await t.server.ctx.store.similarity.vectorIndex(probe, 'IMAGES'))!.size).toBe(indexBefore!.size + 2);
  }, 300_000);
});

describe('a retry right after an abort', () => {
  it('indexes the items whose aborted jobs were still ending when the retry queued them again', async () => {
    const id = await createDatasetFrom(t.url, t.admin.token, 'retry after abort', join(root, 'base'));
    expect((await settle(id)).dataset.status_new).toBe('READY');
    const { store } = t.server.ctx;
    const task = async (taskId: string) => (await store.tasks.get(taskId))!;
    // The addition's item jobs wait before reading their item until the abort has ended the task…
    const reading = holdCalls(store.items, 'get');
    // …then the queue is slow to record their end, so they are still open when the retry queues
    // the same items: under load, a worker that met the abort may not have ended its job yet.
    const itemJobs = new Set<string>();
    const { claim, complete, insertMany } = store.jobs;
    let ended!: () => void;
    const jobsEnd = new Promise<void>((resolve) => (ended = resolve));
    let ending = 0;
    store.jobs.claim = async (name, limit) => {
      const jobs = await claim.call(store.jobs, name, limit);
      if (name === 'item-stage') for (const job of jobs) itemJobs.add(String(job.id));
      return jobs;
    };
    store.jobs.complete = async (jobId) => {
      if (itemJobs.has(String(jobId))) {
        ending++;
        await jobsEnd;
      }
      return complete.call(store.jobs, jobId);
    };
    let retried = false;
    let requeued = false;
    store.jobs.insertMany = async (jobs) => {
      const inserted = await insertMany.call(store.jobs, jobs);
      if (retried && jobs.some((job) => job.name === 'item-stage')) requeued = true;
      return inserted;
    };
    try {
      const added = await addMedia(id, form({ s3_uri: more }));
      expect(added.status).toBe(202);
      const taskId: string = added.body.task_id;
      await reading.reached;
      expect((await post(`/api/v1/tasks/${taskId}/abort`, undefined)).status).toBe(202);
      await vi.waitFor(async () => expect((await task(taskId)).status).toBe('ABORTED'), { timeout: 30_000, interval: 50 });
      reading.restore();
      reading.open();
      await vi.waitFor(() => expect(ending).toBeGreaterThan(0), { timeout: 30_000, interval: 50 });
      retried = true;
      expect((await post(`/api/v1/tasks/${taskId}/retry`, undefined)).status).toBe(202);
      // The retry has listed its source and queued its items while the old jobs are still open.
      await vi.waitFor(() => expect(requeued).toBe(true), { timeout: 30_000, interval: 20 });
    } finally {
      store.jobs.claim = claim;
      store.jobs.complete = complete;
      store.jobs.insertMany = insertMany;
      ended();
    }
    const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR'], 60_000);
    expect(dataset).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 6, processing: { operation: 'ADD_MEDIA', status: 'COMPLETED', done: 2 } });
  }, 300_000);
});

describe('who may call them', () => {
  it('refuses viewers with 403 and hides other users’ datasets with 404', async () => {
    await addUser(t.server.ctx.accounts, { email: 'viewer@example.com', password: 'viewer-password-1', role: 'viewer' });
    await addUser(t.server.ctx.accounts, { email: 'other@example.com', password: 'other-password-1', role: 'editor' });
    const viewer = await credentialsFor(t.url, 'viewer@example.com', 'viewer-password-1');
    const other = await credentialsFor(t.url, 'other@example.com', 'other-password-1');
    await t.server.ctx.store.datasets.share(probe, (await t.server.ctx.store.users.findByEmail('viewer@example.com'))!.id);
    expect((await addMedia(probe, form({ s3_uri: more }), viewer.token)).status).toBe(403);
    expect((await reindex(probe, viewer.token)).status).toBe(403);
    expect(await addMedia(probe, form({ s3_uri: more }), other.token)).toMatchObject({ status: 404, body: { detail: 'Dataset not found' } });
    expect(await reindex(probe, other.token)).toMatchObject({ status: 404, body: { detail: 'Dataset not found' } });
    expect(await addMedia('no-such-dataset', form({ s3_uri: more }))).toMatchObject({ status: 404, body: { detail: 'Dataset not found' } });
  });
});

describe('bad sources', () => {
  const exactlyOne = { status: 400, body: { detail: 'Exactly one media source must be provided: files[], s3_uri, or archive' } };

  it('refuses zero sources and several sources, storing nothing', async () => {
    await t.server.ctx.store.datasets.update(probe, { status: 'READY' });
    const photo = await readFile(join(root, 'base', (await readdir(join(root, 'base')))[0]!));
    expect(await addMedia(probe, form())).toMatchObject(exactlyOne);
    expect(await addMedia(probe, form({ auto_reindex: 'true' }))).toMatchObject(exactlyOne);
    expect(await addMedia(probe, form({ s3_uri: more }, [['files', 'a.jpg', photo]]))).toMatchObject(exactlyOne);
    expect(await addMedia(probe, form({}, [['files', 'a.jpg', photo], ['archive', 'a.zip', photo]]))).toMatchObject(exactlyOne);
    expect(await addMedia(probe, form({}, [['archive', 'a.zip', photo], ['archive', 'b.zip', photo]]))).toMatchObject(exactlyOne);
    const before = (await getJson(t.url, `/api/v1/dataset/${probe}`, t.admin.token)).body;
    expect(before.status_new).toBe('READY');
  });

  it('refuses a source with no media, or one that cannot be read', async () => {
    for (const uri of [join(root, 'empty'), join(root, 'missing'), 's3://', '/etc']) {
      const res = await addMedia(probe, form({ s3_uri: uri }));
      expect(res.status, uri).toBe(400);
      expect(res.body.detail, uri).toMatch(new RegExp(`^Invalid S3 URI or no media files found at ${uri.replace(/[/.]/g, '\\$&')}`));
    }
    const notes = await addMedia(probe, form({}, [['files', 'notes.txt', Buffer.from('hello')]]));
    expect(notes).toMatchObject({ status: 400, body: { detail: 'No media files among the 1 uploaded files (see the supported types in the README)' } });
    const garbage = await addMedia(probe, form({}, [['archive', 'a.zip', Buffer.from('not an archive at all')]]));
    expect(garbage).toMatchObject({ status: 400, body: { detail: 'archive must be a .zip, .tar or .tar.gz file' } });
    expect((await getJson(t.url, `/api/v1/dataset/${probe}`, t.admin.token)).body.status_new).toBe('READY');
  });

  it('refuses an auto_reindex it cannot read as a boolean, as pydantic does, rather than take it for false', async () => {
    const photo = await readFile(join(root, 'base', (await readdir(join(root, 'base')))[0]!));
    const typo = await addMedia(probe, form({ auto_reindex: 'ture' }, [['files', 'a.jpg', photo]]));
    expect(typo).toMatchObject({ status: 422, body: { detail: [{ type: 'bool_parsing', loc: ['body', 'auto_reindex'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'ture' }] } });
    expect((await getJson(t.url, `/api/v1/dataset/${probe}`, t.admin.token)).body.status_new).toBe('READY');
  });

  it('answers the next request on the connection of one it refused before reading its files', async () => {
    // One keep-alive connection for both requests, as a client session has.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (path: string, body?: Response) =>
      new Promise<number>(async (done, fail) => {
        const bytes = body ? Buffer.from(await body.arrayBuffer()) : null;
        const headers = { authorization: `Bearer ${t.admin.token}`, ...(body && { 'content-type': body.headers.get('content-type')! }) };
        const req = request(`${t.url}${path}`, { agent, method: bytes ? 'POST' : 'GET', headers, timeout: 20_000 }, (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode!));
        });
        req.on('timeout', () => req.destroy(new Error(`no answer to ${path}`)));
        req.on('error', fail);
        req.end(bytes);
      });
    try {
      // Refused at its first field, with megabytes of files still to come.
      const refused = new Response(form({ s3_uri: 'a\u0000b' }, [['files', 'a.jpg', Buffer.alloc(4 << 20)]]));
      expect(await send(`/api/v1/dataset/${probe}/add_media`, refused)).toBe(400);
      expect(await send(`/api/v1/dataset/${probe}`)).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('refuses a body that is not multipart', async () => {
    const res = await fetch(`${t.url}/api/v1/dataset/${probe}/add_media`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(400);
  });
});

describe('files and auto_reindex', () => {
  it('adds uploaded files and, with auto_reindex, ends READY with every item scored', async () => {
    const id = await createDatasetFrom(t.url, t.admin.token, 'files', join(root, 'base'));
    await settle(id);
    const names = await copySmallPhotos(join(root, 'upload'), 2, 400_000);
    const files: Array<[string, string, Buffer]> = [];
    for (const n of names) files.push(['files', `new-${n}`, await readFile(join(root, 'upload', n))]);
    const res = await addMedia(id, form({ auto_reindex: 'true' }, files));
    expect(res).toMatchObject({ status: 202, body: { dataset_id: id, status: 'READ ONLY', files_received: 2 } });
    const { dataset } = await settle(id);
    expect(dataset).toMatchObject({ status_new: 'READY', status: 'READY', n_images: 6, progress: 100, processing: { operation: 'ADD_MEDIA', done: 2, total: 2 } });
    const media = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=100`, t.admin.token)).body.media;
    expect(media).toHaveLength(6);
    for (const m of media) expect(m.uniqueness_score, m.file_name).not.toBeNull();
    // The two new files are byte copies of two old ones: found at 1.0.
    const copy = media.find((m: any) => m.file_name === `new-${names[0]}`);
    const dups = await getJson(t.url, `/api/v1/dataset/${id}/media/${copy.media_id}/duplicates?threshold=1`, t.admin.token);
    expect(dups.body).toHaveLength(1);
  }, 300_000);
});

describe('a batch where nothing can be indexed', () => {
  it('fails the task and puts the dataset back where it was, the old items untouched', async () => {
    const id = await createDatasetFrom(t.url, t.admin.token, 'broken batch', join(root, 'base'));
    await settle(id);
    const res = await addMedia(id, form({}, [['files', 'truncated.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], ['files', 'empty.png', Buffer.alloc(0)]]));
    expect(res.status).toBe(202);
    const { dataset } = await settle(id);
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: 4, fatal_error_msg: null, processing: { operation: 'ADD_MEDIA', status: 'FAILED', total: 2, done: 0, failed: 2 } });
    const errors = await getJson(t.url, `/api/v1/dataset/${id}/errors`, t.admin.token);
    expect(errors.body.map((e: any) => e.file_name).sort()).toEqual(['empty.png', 'truncated.jpg']);
  }, 300_000);
});

describe('archives', () => {
  async function tarOf(entries: Array<{ name: string; data?: Buffer; type?: 'symlink'; linkname?: string }>): Promise<Buffer> {
    const pack = tar.pack();
    const out = buffer(pack);
    for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, size: e.data?.length ?? 0 } as tar.Header, e.data ?? Buffer.alloc(0));
    pack.finalize();
    return out;
  }

  it('adds the media of a .tar.gz named by their paths in it, leaving other entries out', async () => {
    const id = await createDatasetFrom(t.url, t.admin.token, 'archive', join(root, 'base'));
    await settle(id);
    const names = (await readdir(more)).sort();
    const entries = [
      { name: 'a/b/c.jpg', data: await readFile(join(more, names[0]!)) },
      { name: `./${names[1]}`, data: await readFile(join(more, names[1]!)) },
      { name: 'README.txt', data: Buffer.from('notes') },
      { name: '__MACOSX/._x.jpg', data: Buffer.from('fork') },
    ];
    const res = await addMedia(id, form({}, [['archive', 'batch.tar.gz', gzipSync(await tarOf(entries))]]));
    expect(res).toMatchObject({ status: 202, body: { files_received: 2 } });
    const { dataset } = await settle(id);
    expect(dataset).toMatchObject({ status_new: 'PARTIAL INDEX', n_images: 6, processing: { operation: 'ADD_MEDIA', total: 2, done: 2, failed: 0 } });
    const media = (await getJson(t.url, `/api/v1/dataset/${id}/media?page_size=100`, t.admin.token)).body.media;
    expect(media.map((m: any) => m.file_name)).toEqual(expect.arrayContaining(['a/b/c.jpg', names[1]]));
    // The name is only metadata: nothing in the data dir is named after the entry's path.
    expect((await readdir(t.dataDir, { recursive: true })).filter((f) => f.split('/').includes('c.jpg') || /(^|\/)a\/b(\/|$)/.test(f))).toEqual([]);
  }, 300_000);

  it('refuses an archive that reaches outside, holds a link or is a bomb, storing nothing', async () => {
    const photo = await readFile(join(more, (await readdir(more))[0]!));
    const before = (await getJson(t.url, `/api/v1/dataset/${probe}`, t.admin.token)).body;
    const slip = await addMedia(probe, form({}, [['archive', 'slip.tar', await tarOf([{ name: 'ok.jpg', data: photo }, { name: '../../escape.jpg', data: photo }])]]));
    expect(slip).toMatchObject({ status: 400, body: { detail: 'Archive refused: entry "../../escape.jpg" climbs out of the archive with ".."' } });
    const link = await addMedia(probe, form({}, [['archive', 'link.tar', await tarOf([{ name: 'passwd.jpg', type: 'symlink', linkname: '/etc/passwd' }])]]));
    expect(link).toMatchObject({ status: 400, body: { detail: 'Archive refused: entry "passwd.jpg" is a symbolic link' } });
    // 32 MiB of zeros gzip to about 32 KiB: refused as it inflates, before anything is stored.
    const bomb = await addMedia(probe, form({}, [['archive', 'bomb.tar.gz', gzipSync(await tarOf([{ name: 'zeros.jpg', data: Buffer.alloc(32 * 1024 ** 2) }]))]]));
    expect(bomb).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/^Archive refused: .*looks like a gzip bomb/) } });
    const after = (await getJson(t.url, `/api/v1/dataset/${probe}`, t.admin.token)).body;
    expect(after).toMatchObject({ status_new: before.status_new, n_images: before.n_images });
    expect(after.processing.task_id ?? after.processing.started_at).toBe(before.processing.task_id ?? before.processing.started_at);
  });
});
