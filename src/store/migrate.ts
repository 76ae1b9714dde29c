import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectHelpers } from './dialect.ts';
import * as initial from './migrations/0001-initial.ts';
import * as jobSingletonUnique from './migrations/0002-job-singleton-unique.ts';
import * as similarity from './migrations/0003-similarity.ts';
import * as jobClaimIndexes from './migrations/0004-job-claim-indexes.ts';
import * as datasetDeleting from './migrations/0005-dataset-deleting.ts';
import * as uploadSha256 from './migrations/0006-upload-sha256.ts';
import * as anchorOwnerIndex from './migrations/0007-anchor-owner-index.ts';
import * as moreIssueTypes from './migrations/0008-more-issue-types.ts';
import * as exportsTable from './migrations/0009-exports.ts';
import * as taskAbort from './migrations/0019-task-abort.ts';
import * as objectsAndLabels from './migrations/0020-objects-and-labels.ts';
import * as addMediaLease from './migrations/0021-add-media-lease.ts';
import * as vectorIndexDigest from './migrations/0022-vector-index-digest.ts';
import * as importedAnnotations from './migrations/0023-imported-annotations.ts';
import * as labelSource from './migrations/0024-label-source.ts';
import * as keyUseAndListingOrder from './migrations/0025-key-use-and-listing-order.ts';
import * as captionsAndTextVectors from './migrations/0026-captions-and-text-vectors.ts';
import * as rankedListingOrder from './migrations/0027-ranked-listing-order.ts';
import * as failedItemsIndex from './migrations/0028-failed-items-index.ts';
import * as labelAndCaptionPerSource from './migrations/0029-label-and-caption-per-source.ts';
import * as exportTasks from './migrations/0030-export-tasks.ts';
import * as rankedScoresByEntity from './migrations/0031-ranked-scores-by-entity.ts';
import * as frameOrder from './migrations/0032-frame-order.ts';
import * as resultGenerations from './migrations/0033-result-generations.ts';
import * as rankedMislabels from './migrations/0034-ranked-mislabels.ts';

/** Migrations in order; a migration's name never changes once released. */
const migrations: Record<string, { up(db: Kysely<any>, d: DialectHelpers): Promise<void> }> = {
  '0001-initial': initial,
  '0002-job-singleton-unique': jobSingletonUnique,
  '0003-similarity': similarity,
  '0004-job-claim-indexes': jobClaimIndexes,
  '0005-dataset-deleting': datasetDeleting,
  '0006-upload-sha256': uploadSha256,
  '0007-anchor-owner-index': anchorOwnerIndex,
  '0008-more-issue-types': moreIssueTypes,
  '0009-exports': exportsTable,
  '0019-task-abort': taskAbort,
  '0020-objects-and-labels': objectsAndLabels,
  '0021-add-media-lease': addMediaLease,
  '0022-vector-index-digest': vectorIndexDigest,
  '0023-imported-annotations': importedAnnotations,
  '0024-label-source': labelSource,
  '0025-key-use-and-listing-order': keyUseAndListingOrder,
  '0026-captions-and-text-vectors': captionsAndTextVectors,
  '0027-ranked-listing-order': rankedListingOrder,
  '0028-failed-items-index': failedItemsIndex,
  '0029-label-and-caption-per-source': labelAndCaptionPerSource,
  '0030-export-tasks': exportTasks,
  '0031-ranked-scores-by-entity': rankedScoresByEntity,
  '0032-frame-order': frameOrder,
  '0033-result-generations': resultGenerations,
  '0034-ranked-mislabels': rankedMislabels,
};

/** The migrations as Kysely's Migrator takes them, for `dialect`. */
export function migrationProvider(dialect: DialectHelpers): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(
        Object.entries(migrations).map(([name, m]) => [name, { up: (db: Kysely<any>) => m.up(db, dialect) }]),
      );
    },
  };
}

export async function migrateToLatest(db: Kysely<any>, dialect: DialectHelpers): Promise<void> {
  const provider = migrationProvider(dialect);
  await dialect.withMigrationLock(db, async () => {
    // Thrown inside the lock, so that SQLite rolls the failed run back.
    const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error !== undefined || failed !== undefined) {
      throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
    }
  });
}
