import Database from 'better-sqlite3';
import { join } from 'node:path';

/** Items a synthetic cluster holds at each granularity, finest (0) to coarsest (4). */
const CLUSTER_SIZES = [10, 50, 250, 1_250, 6_250];
/** One item in GROUP_EVERY starts a duplicate group of GROUP_SIZE items. */
const GROUP_EVERY = 10;
const GROUP_SIZE = 3;
const LEVEL = 0.96;

/**
 * Grows an indexed dataset to `n` items by writing synthetic rows straight into its SQLite
 * store (the server must be stopped): indexing a million images through the pipeline takes
 * days on a small machine, and the web UI's paging only reads rows. Each synthetic item is
 * a copy of one of the dataset's real items (so its thumbnail is a real one) under a new id
 * and name, with scores jittered; duplicate groups of three (at 0.96 only) and clusters at
 * every granularity are laid over all items in order. The vector index is left as it was:
 * search covers the real items only.
 */
export function growWithSyntheticRows(dataDir: string, datasetId: string, n: number): { seeds: number; groups: number; clusters: number[] } {
  const db = new Database(join(dataDir, 'strata.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  // A million rows into tables with several indexes each: a large page cache keeps the index pages in memory.
  db.pragma('cache_size = -2000000');
  try {
    const items = db.prepare(`select * from items where dataset_id = ? and state = 'done' and kind = 'image' order by created_at, id`).all(datasetId) as Array<Record<string, unknown>>;
    const scores = new Map((db.prepare('select * from item_scores where dataset_id = ?').all(datasetId) as Array<Record<string, unknown>>).map((s) => [s.item_id, s]));
    if (items.length === 0) throw new Error('the dataset has no indexed images to copy');
    const last = Date.parse(`${String(items[items.length - 1]!.created_at)}Z`);
    const itemColumns = Object.keys(items[0]!);
    const scoreColumns = Object.keys(scores.values().next().value!);
    const insertItem = db.prepare(`insert into items (${itemColumns.join(', ')}) values (${itemColumns.map((c) => `@${c}`).join(', ')})`);
    const insertScore = db.prepare(`insert into item_scores (${scoreColumns.join(', ')}) values (${scoreColumns.map((c) => `@${c}`).join(', ')})`);
    // Groups and clusters are laid over the generation of results readers see.
    const { results_generation: generation } = db.prepare('select results_generation from datasets where id = ?').get(datasetId) as { results_generation: number };
    const insertMember = db.prepare('insert into duplicate_members (dataset_id, generation, level, group_id, item_id) values (?, ?, ?, ?, ?)');
    const insertCluster = db.prepare('insert into clusters (dataset_id, generation, granularity, cluster_id, rank, size, n_images, n_frames, n_videos, entity_type) values (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)');
    const ids: string[] = items.map((i) => String(i.id));

    db.transaction(() => {
      // The real items' groups and clusters give way to the synthetic ones over all items.
      db.prepare('delete from duplicate_members where dataset_id = ?').run(datasetId);
      db.prepare('delete from clusters where dataset_id = ?').run(datasetId);
      for (let i = items.length; i < n; i++) {
        const seed = items[i % items.length]!;
        const id = `synthetic-${String(i).padStart(8, '0')}`;
        ids.push(id);
        const createdAt = new Date(last + i).toISOString().slice(0, 23) + '000';
        insertItem.run({ ...seed, id, source_key: `synthetic/${i}`, file_name: `synthetic-${i}.jpg`, original_uri: `synthetic://${i}`, created_at: createdAt });
        const s = scores.get(seed.id)!;
        const jitter = ((i * 7919) % 1000) / 1e5;
        insertScore.run({ ...s, item_id: id, uniqueness: Math.min(1, Number(s.uniqueness) + jitter) });
      }
      const setScores = db.prepare(`update item_scores set dup_group = ?, cluster_0 = ?, cluster_1 = ?, cluster_2 = ?, cluster_3 = ?, cluster_4 = ? where item_id = ?`);
      ids.forEach((id, i) => {
        const group = i % GROUP_EVERY < GROUP_SIZE ? Math.floor(i / GROUP_EVERY) : null;
        if (group !== null) insertMember.run(datasetId, generation, LEVEL, group, id);
        setScores.run(group, ...CLUSTER_SIZES.map((size) => Math.floor(i / size)), id);
      });
      CLUSTER_SIZES.forEach((size, g) => {
        const count = Math.ceil(n / size);
        for (let c = 0; c < count; c++) {
          const members = Math.min(size, n - c * size);
          insertCluster.run(datasetId, generation, g, c, c, members, members, 'IMAGES');
        }
      });
      db.prepare('update datasets set n_images = ?, revision = revision + 1 where id = ?').run(n, datasetId);
    })();
    return { seeds: items.length, groups: Math.ceil(n / GROUP_EVERY), clusters: CLUSTER_SIZES.map((size) => Math.ceil(n / size)) };
  } finally {
    db.close();
  }
}
