/**
 * The web UI's paged reads on PostgreSQL at N items (`node --import tsx bench/postgres-paged-reads.ts [N]`,
 * default 200,000): seeds a throwaway database (test/helpers/postgres.ts) with N indexed images
 * written by SQL (scores, clusters of 10 / 50 / 250 / 1,250 / 6,250 consecutive items at
 * granularity 0 … 4, no failures), runs VACUUM ANALYZE as autovacuum would after such a load (it sets
 * the visibility map that index-only scans need), then prints the plan and
 * time (EXPLAIN ANALYZE) of each statement the store runs for: a page of cluster previews and
 * sizes (first and last page of granularity 0), a page of failures and their count, the
 * media listing's first and last page, and the ranked listing's first and last page with its
 * count (and the first page of mislabels, which no item has here).
 */
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { pgHelpers } from '../src/store/dialect.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { itemsRepo } from '../src/store/repos/items.repo.ts';
import { mediaRepo } from '../src/store/repos/media.repo.ts';
import type { DB } from '../src/store/schema.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { fmt, machineLine } from './lib.ts';

const N = Number(process.argv[2] ?? 200_000);
const DS = 'bench';

async function main(): Promise<void> {
  console.log(machineLine());
  const server = await startPostgres();
  const statements: CompiledQuery[] = [];
  const pool = new pg.Pool({ connectionString: server.url, max: 1 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: (e) => void statements.push(e.query) });
  try {
    await migrateToLatest(db, pgHelpers);
    const seeded = performance.now();
    await sql`insert into users (id, email, password_hash, role, created_at) values ('u', 'u@example.com', '-', 'admin', '2026-01-01')`.execute(db);
    await sql`insert into datasets (id, display_name, description, source_type, owner_id, created_at, status, n_images)
              values (${DS}, 'bench', '', 'LOCAL', 'u', '2026-01-01', 'READY', ${N})`.execute(db);
    await sql`insert into items (id, dataset_id, task_id, kind, source_key, file_name, original_uri, location, state, stage, size_bytes, created_at)
              select 'item-' || lpad(i::text, 8, '0'), ${DS}, 't', 'image', 'k' || i, 'f' || i || '.jpg', 'file:///f' || i, 'l', 'done', 'done', 1000,
                     to_char(timestamp '2026-01-01' + i * interval '1 millisecond', 'YYYY-MM-DD"T"HH24:MI:SS.MS000')
              from generate_series(0, ${N - 1}) i`.execute(db);
    await sql`insert into item_scores (item_id, dataset_id, generation, uniqueness, max_similarity, nn_cosine, outlier_score, cluster_0, cluster_1, cluster_2, cluster_3, cluster_4)
              select 'item-' || lpad(i::text, 8, '0'), ${DS}, 0, ((i::bigint * 7919) % 1000) / 1000.0, 0.5, 0.5, 0, i / 10, i / 50, i / 250, i / 1250, i / 6250
              from generate_series(0, ${N - 1}) i`.execute(db);
    await sql`vacuum analyze`.execute(db);
    console.log(`seeded ${N} items in ${fmt((performance.now() - seeded) / 1000)} s`);

    const media = mediaRepo(db);
    const items = itemsRepo(db, pgHelpers, () => {});
    const lastCluster = Math.ceil(N / 10) - 100;
    const clusters = (from: number) => Array.from({ length: 100 }, (_, i) => from + i);
    const reads: Array<[string, () => Promise<unknown>]> = [
      ['cluster previews, first page', () => media.clusterPreviews(DS, 0, clusters(0), [], 4)],
      ['cluster previews, last page', () => media.clusterPreviews(DS, 0, clusters(lastCluster), [], 4)],
      ['cluster sizes, last page', () => media.clusterBytes(DS, 0, clusters(lastCluster), [])],
      ['failures, first page', () => items.failures(DS, 0, 50)],
      ['failures, count', () => items.countFailures(DS)],
      ['media listing, first page', () => media.page(DS, 0, 200)],
      ['media listing, last page', () => media.page(DS, N - 200, 200)],
      ['ranked by mislabels, first page', () => media.page(DS, 0, 200, { kind: 'ranked', by: 'mislabels', min: 0.5 })],
      ['ranked by uniqueness, first page', () => media.page(DS, 0, 200, { kind: 'ranked', by: 'uniqueness', min: 0 })],
      ['ranked by uniqueness, last page', () => media.page(DS, N - 200, 200, { kind: 'ranked', by: 'uniqueness', min: 0 })],
    ];
    for (const [name, read] of reads) {
      statements.length = 0;
      const t0 = performance.now();
      await read();
      console.log(`\n== ${name}: ${fmt(performance.now() - t0, 1)} ms, ${statements.length} statement(s)`);
      for (const s of [...statements]) {
        const plan = await db.executeQuery<{ 'QUERY PLAN': string }>({ ...s, sql: `explain (analyze, costs off) ${s.sql}` } as CompiledQuery);
        console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
    }
  } finally {
    await db.destroy();
    await server.stop();
  }
  console.log(machineLine());
}

await main();
