import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../src/ports/store.ts';
import { storeBackends } from '../helpers/backends.ts';
import { createDatasetFrom, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { copySmallPhotos } from '../helpers/test-media.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * A reindex replaces the similarity results of a dataset that clients keep reading. A read
 * made while the new results are being written must see the old ones whole: every read made
 * before each batch the reindex writes must equal the reads made before it started.
 */
const BUCKET = 'strata-reindex-results';

/** What the duplicates, clusters and issues tabs read. */
async function results(store: Store, datasetId: string) {
  const ids = (page: { media: Array<{ item: { id: string } }>; total: number }) => ({ total: page.total, ids: page.media.map((m) => m.item.id) });
  const groups = await store.media.duplicateGroups(datasetId, 0.96, 0, 100, 10);
  return {
    groups: { total: groups.total, groups: groups.groups.map((g) => g.members.map((m) => m.item.id)) },
    clusters: await Promise.all([0, 2, 4].map((g) => store.media.clusters(datasetId, g, [], 0, 100))),
    uniqueness: ids(await store.media.page(datasetId, 0, 100, { kind: 'ranked', by: 'uniqueness', min: 0 })),
    scores: (await store.media.page(datasetId, 0, 100)).media.map((m) => [m.item.id, m.scores]),
  };
}

describe.each(storeBackends(BUCKET))('reindex results ($name)', (backend) => {
  let t: TestServer;
  let stop: () => Promise<void>;
  let id: string;

  beforeAll(async () => {
    const root = await tempDir('strata-reindex-results-');
    const [first] = await copySmallPhotos(join(root, 'photos'), 6, 400_000);
    // A copy, so the dataset has a duplicate group.
    await copyFile(join(root, 'photos', first!), join(root, 'photos', 'copy-of-first.jpg'));
    await copySmallPhotos(join(root, 'later'), 1, 400_000);
    const started = await backend.start();
    stop = started.stop;
    t = await startTestServer({ STRATA_IMPORT_ROOTS: root, ...started.env });
    id = await createDatasetFrom(t.url, t.admin.token, 'reindex-results', join(root, 'photos'));
    await waitForDatasetStatus(t.url, t.admin.token, id, ['READY'], 300_000);
    // Media added without a reindex leave the dataset to reindex.
    const form = new FormData();
    form.append('s3_uri', join(root, 'later'));
    expect((await post(`/api/v1/dataset/${id}/add_media`, form)).status).toBe(202);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['PARTIAL INDEX'], 300_000);
  }, 400_000);
  const post = (path: string, body?: FormData) => fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body });
  afterAll(async () => {
    await t?.close();
    await stop?.();
  });

  it('readers see the old results whole until the new ones are all written', async () => {
    const store = t.server.ctx.store;
    const before = await results(store, id);
    expect(before.groups.total).toBe(1);
    expect(before.clusters[0]!.total).toBeGreaterThan(0);
    // The added photo has no scores until the reindex.
    expect(before.scores.filter(([, s]) => s === null)).toHaveLength(1);

    const seen: unknown[] = [];
    const spies = (['insertScores', 'insertDuplicateMembers', 'insertClusters'] as const).map((method) => {
      const write = store.similarity[method].bind(store.similarity) as (...args: unknown[]) => Promise<void>;
      return vi.spyOn(store.similarity, method).mockImplementation(async (...args: unknown[]) => {
        seen.push(await results(store, id));
        await write(...args);
      });
    });
    try {
      expect((await post(`/api/v1/dataset/${id}/reindex`)).status).toBe(202);
      await waitForDatasetStatus(t.url, t.admin.token, id, ['READY'], 300_000);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(seen).toHaveLength(3);
    for (const read of seen) expect(read).toEqual(before);
    const after = await results(store, id);
    expect(after.scores.every(([, s]) => s !== null)).toBe(true);
    expect(after.scores).toHaveLength(before.scores.length);
  }, 400_000);
});
