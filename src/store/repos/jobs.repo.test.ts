import { CompiledQuery, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteHelpers } from '../dialect.ts';
import { migrateToLatest } from '../migrate.ts';
import type { DB } from '../schema.ts';
import { openSqlite } from '../sqlite/open-sqlite.ts';
import { claimStatement, jobsRepo } from './jobs.repo.ts';

// A claim runs once per job on the thread that also serves the API: it must read the first
// ready entries of an index, never sort every queued job (quadratic over a large dataset).
describe('claiming a job on SQLite', () => {
  let db: Kysely<DB>;

  beforeAll(async () => {
    db = openSqlite(':memory:');
    await migrateToLatest(db, sqliteHelpers);
    const jobs = jobsRepo(db, sqliteHelpers);
    await jobs.insertMany(Array.from({ length: 5000 }, (_, i) => ({ name: 'item-stage', payload: { i }, singletonKey: `item:${i}`, retryLimit: 3 })));
    await jobs.insertMany(Array.from({ length: 50 }, (_, i) => ({ name: 'dataset-stage', payload: { i }, serialKey: `dataset:${i % 5}`, retryLimit: 3 })));
    expect(await jobs.claim('item-stage', 100)).toHaveLength(100);
  });
  afterAll(async () => {
    await db.destroy();
  });

  async function plan(name: string): Promise<string[]> {
    const compiled = claimStatement(name, 4, Date.now(), sqliteHelpers).compile(db);
    const rows = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
    return rows.rows.map((r) => r.detail);
  }

  it('walks the queued jobs of its name in id order, without sorting them', async () => {
    for (const name of ['item-stage', 'dataset-stage']) {
      const steps = await plan(name);
      expect(steps.join('\n'), name).toMatch(/SEARCH j USING INDEX jobs_queued_by_name \(name=\?\)/);
      expect(steps.join('\n'), name).not.toMatch(/TEMP B-TREE|SCAN/);
    }
  });

  it("checks a serial key's active and oldest ready jobs through that key's own entries", async () => {
    const steps = (await plan('dataset-stage')).join('\n');
    expect(steps).toMatch(/SEARCH a USING (COVERING )?INDEX jobs_active_by_serial_key \(serial_key=\?\)/);
    expect(steps).toMatch(/SEARCH b USING INDEX jobs_queued_by_serial_key \(serial_key=\?\)/);
  });
});
