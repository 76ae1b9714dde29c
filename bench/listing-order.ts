/**
 * The media listing's ids query on a SQLite store of N items (default a million: images and
 * 10-frame videos in 997 folders), first and last page of 25, with the listing's index:
 * `node --import tsx bench/listing-order.ts 1000000 new`, then `… old` for the order before
 * migration 0032 (each mode puts its index in place). The store is kept in /tmp between runs.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { randomUUID } from 'node:crypto';
import { sqliteHelpers } from '../src/store/dialect.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { mediaRepo } from '../src/store/repos/media.repo.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const file = `/tmp/strata-listing-${N}.sqlite`;
const sqlite = new Database(file);
const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
await migrateToLatest(db, sqliteHelpers);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('foreign_keys = OFF');
const has = sqlite.prepare('select count(*) n from items').get() as { n: number };
if (has.n < N) {
  const ins = sqlite.prepare(`insert into items (id, dataset_id, task_id, kind, parent_id, source_key, file_name, original_uri, location, state, stage, frame_index, frame_timestamp, created_at)
    values (?, 'ds', 't', ?, ?, ?, ?, 'u', 'l', 'done', 'summarize', ?, ?, ?)`);
  const t0 = performance.now();
  sqlite.transaction(() => {
    for (let i = 0; i < N; ) {
      const created = `2026-01-01T00:00:${String(Math.floor(i / 10000)).padStart(6, '0')}`;
      if (i % 100 === 0) {
        // A video of 10 frames every 100 items.
        const v = randomUUID();
        for (let f = 0; f < 10 && i < N; f++, i++) ins.run(randomUUID(), 'video_frame', v, `${v}#${f}`, `folder-${i % 997}/clip-${i}.mp4`.replace(`-${i}.`, `-${i - f}.`), f, f, created);
      } else {
        ins.run(randomUUID(), 'image', null, `k${i}`, `folder-${i % 997}/IMG_${String(i).padStart(7, '0')}.jpg`, null, null, created);
        i++;
      }
    }
  })();
  console.log(`inserted ${N} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  sqlite.exec('analyze');
}
const media = mediaRepo(db);
const time = async (label: string, fn: () => Promise<unknown>) => {
  const xs: number[] = [];
  for (let r = 0; r < 4; r++) {
    const t0 = performance.now();
    await fn();
    if (r > 0) xs.push(performance.now() - t0);
  }
  xs.sort((a, b) => a - b);
  console.log(`${label}: ${xs[1]!.toFixed(0)} ms (median of 3)`);
};
const last = Math.floor((N - 1) / 25) * 25;
const which = process.argv[3] ?? 'new';
if (which === 'old') {
  sqlite.exec(`drop index if exists items_listing; create index items_listing on items (dataset_id, created_at, id, state, kind)`);
  const ids = (offset: number) => sqlite.prepare(`select i.id from items i where i.dataset_id = 'ds' and i.state = 'done' and i.kind in ('image','video_frame') order by i.created_at, i.id limit 25 offset ?`).all(offset);
  const plan = sqlite.prepare(`explain query plan select i.id from items i where i.dataset_id = 'ds' and i.state = 'done' and i.kind in ('image','video_frame') order by i.created_at, i.id limit 25 offset ?`).all(0);
  console.log(plan.map((p) => (p as { detail: string }).detail).join('\n'));
  await time('old ids, first page', async () => ids(0));
  await time(`old ids, offset ${last}`, async () => ids(last));
} else {
  sqlite.exec(`drop index if exists items_listing; create index items_listing on items (dataset_id, file_name, created_at, frame_index, id, state, kind)`);
  await time('new page (ids + count + records), first page', () => media.page('ds', 0, 25));
  await time(`new page (ids + count + records), offset ${last}`, () => media.page('ds', last, 25));
  const ids = (offset: number) => sqlite.prepare(`select i.id from items i where i.dataset_id = 'ds' and i.state = 'done' and i.kind in ('image','video_frame') order by i.file_name, i.created_at, i.frame_index, i.id limit 25 offset ?`).all(offset);
  await time('new ids, first page', async () => ids(0));
  await time(`new ids, offset ${last}`, async () => ids(last));
}
const size = sqlite.prepare(`select sum(pgsize) b from dbstat where name = 'items_listing'`).get() as { b: number } | undefined;
console.log('items_listing size', size);
await db.destroy();
