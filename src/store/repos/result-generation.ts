import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

/**
 * The generation of a dataset's similarity results that readers see, as a subquery: a
 * statement that reads results through it reads one whole generation, whichever a
 * concurrent write is filling or has just published (migration 0033).
 */
export const visibleGeneration = (db: Kysely<DB>, datasetId: string) => db.selectFrom('datasets').select('results_generation').where('id', '=', datasetId);
