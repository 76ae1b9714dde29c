import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobQueue } from '../../src/ports/job-queue.ts';
import type { TasksRepo } from '../../src/ports/store.ts';
import { createDatasetFrom, waitForDatasetStatus } from '../helpers/client.ts';
import { mixedFolder, tempDir } from '../helpers/folders.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * A job whose outcome was written while the step after it was not (the store failed in
 * between, as on a full disk) runs again and finds its work done: the operation must still go
 * on to READY. The failure is injected into the running server's store and queue, once.
 */

let t: TestServer;
let root: string;
let folder: { dir: string; valid: number };
beforeAll(async () => {
  root = await tempDir('strata-stage-recovery-');
  folder = await mixedFolder(root);
  t = await startTestServer({ STRATA_IMPORT_ROOTS: root, STRATA_LOG_LEVEL: 'error' });
});
afterAll(async () => {
  await t?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const full = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });

/** Replaces `obj[key]` for the duration of `fn`. */
async function patched<T extends object, K extends keyof T>(obj: T, key: K, replacement: T[K], fn: () => Promise<void>): Promise<void> {
  const original = obj[key];
  obj[key] = replacement;
  try {
    await fn();
  } finally {
    obj[key] = original;
  }
}

describe('an operation whose next step could not be written', () => {
  it('passes the barrier when the last item’s job runs again', async () => {
    const tasks: TasksRepo = t.server.ctx.store.tasks;
    const advanceStage = tasks.advanceStage;
    let failed = 0;
    await patched(tasks, 'advanceStage', async (id, from, to) => {
      if (from === 'items' && failed++ === 0) throw full();
      return advanceStage(id, from, to);
    }, async () => {
      const id = await createDatasetFrom(t.url, t.admin.token, 'barrier', folder.dir);
      const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR']);
      expect(failed).toBeGreaterThan(1);
      expect(dataset).toMatchObject({ status_new: 'READY', n_images: folder.valid });
    });
  });

  it('queues the next stage when the job that moved the task there runs again', async () => {
    const queue: JobQueue = t.server.ctx.queue;
    const send = queue.send;
    let failed = 0;
    await patched(queue, 'send', async (jobs) => {
      if (jobs.some((j) => j.name === 'dataset-stage' && 'stage' in j.payload && j.payload.stage === 'similarity') && failed++ === 0) throw full();
      return send(jobs);
    }, async () => {
      const id = await createDatasetFrom(t.url, t.admin.token, 'next stage', folder.dir);
      const { dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'PARTIAL INDEX', 'ERROR']);
      expect(failed).toBeGreaterThan(1);
      expect(dataset).toMatchObject({ status_new: 'READY', n_images: folder.valid });
    });
  });
});
