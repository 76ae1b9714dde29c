import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ItemAnnotations } from '../src/domain/annotations.ts';
import type { Store } from '../src/ports/store.ts';
import { createPostgresStore, createSqliteStore } from '../src/store/create-store.ts';
import { startPostgres } from '../test/helpers/postgres.ts';

/**
 * How long keeping imported annotations on a task's listed images takes (items.setAnnotations,
 * what the discover stage does with an annotation file), for N images, on SQLite and PostgreSQL:
 * N pending items are inserted, then each gets a label, a caption and a box.
 */
const n = Number(process.argv[2] ?? 20_000);

async function measure(name: string, store: Store): Promise<void> {
  const owner = await store.users.create({ email: 'bench@example.com', passwordHash: 'h', role: 'admin' });
  const ds = await store.datasets.create({ displayName: 'bench', description: '', sourceType: 'BUCKET', sourceUri: null, ownerId: owner.id });
  const task = await store.tasks.start({ datasetId: ds.id, operation: 'CREATE', stage: 'analyze', createdBy: owner.id }, { from: 'DRAFT', to: 'INDEXING' });
  const names = Array.from({ length: n }, (_, i) => `img-${String(i).padStart(6, '0')}.jpg`);
  await store.items.insertMany(
    names.map((fileName) => ({ datasetId: ds.id, taskId: task.id, kind: 'image' as const, sourceKey: fileName, fileName, originalUri: fileName, location: fileName, sizeBytes: 1, stage: 'analyze' })),
  );
  const listed = await store.items.listedNames(task.id);
  const annotations = new Map<string, ItemAnnotations>(
    listed.map((it, i) => [it.id, { labels: ['dog'], caption: `caption ${i}`, boxes: [{ x: 1, y: 2, width: 30, height: 40, label: 'dog', ref: { file: 'object_annotations.csv', row: i + 2 } }] }]),
  );
  const start = performance.now();
  await store.items.setAnnotations(annotations);
  const ms = performance.now() - start;
  const check = await store.items.get(listed[n - 1]!.id);
  if (check?.annotations?.caption !== `caption ${n - 1}`) throw new Error('annotations were not kept');
  console.log(`${name}: setAnnotations of ${n} images: ${(ms / 1000).toFixed(2)} s (${Math.round(n / (ms / 1000))} images/s)`);
}

const dir = await mkdtemp(join(tmpdir(), 'strata-bench-annotations-'));
try {
  const sqlite = await createSqliteStore(dir);
  await measure('SQLite', sqlite);
  await sqlite.close();
  const pg = await startPostgres();
  const postgres = await createPostgresStore(pg.url);
  await measure('PostgreSQL', postgres);
  await postgres.close();
  await pg.stop();
} finally {
  await rm(dir, { recursive: true, force: true });
}
