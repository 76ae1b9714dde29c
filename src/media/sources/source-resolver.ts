import { realpath, stat } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { DomainError } from '../../domain/errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { MediaFailure } from '../../ports/media-processor.ts';
import type { SourceResolver } from '../../ports/media-source.ts';
import type { UploadsRepo } from '../../ports/store.ts';
import { importRootsCheck, realRoots, resolveImportPath } from './import-roots.ts';
import { localFolderSource } from './local-folder-source.ts';
import { checkParquetManifest, isManifestPath, isParquetPath, manifestSource } from './manifest-source.ts';
import { checkS3Source, openS3Location, s3Source } from './s3-source.ts';
import { uploadSource } from './upload-source.ts';

export interface SourceResolverDeps {
  importRoots: readonly string[];
  uploads: UploadsRepo;
  blobs: BlobStore;
  /** Null when no S3 storage is configured: s3:// sources are then refused. */
  s3: S3Client | null;
  tmpDir: string;
}

/** Every kind of source and location, behind one resolver (SourceResolver port). */
export function createSourceResolver(deps: SourceResolverDeps): SourceResolver {
  const insideImportRoots = importRootsCheck(deps.importRoots);
  function s3(): { client: S3Client; tmpDir: string } {
    if (deps.s3 === null) {
      throw new DomainError('BAD_REQUEST', 's3:// sources need S3 storage: set STRATA_S3_BUCKET (and STRATA_S3_ENDPOINT for S3-compatible servers)');
    }
    return { client: deps.s3, tmpDir: deps.tmpDir };
  }

  return {
    async check(uri) {
      if (uri.startsWith('s3://')) return checkS3Source(s3(), uri);
      const real = await resolveImportPath(uri, deps.importRoots);
      const s = await stat(real);
      if (!s.isDirectory() && !(s.isFile() && isManifestPath(real))) {
        throw new DomainError('BAD_REQUEST', `bucket_path must be a folder or a .txt/.csv/.parquet manifest: ${uri}`);
      }
      if (s.isFile() && isParquetPath(real)) await checkParquetManifest(real);
    },

    async open(dataset, task) {
      const transId = task.params.transId;
      if (typeof transId === 'number') return uploadSource(deps.uploads, deps.blobs, dataset.id, transId);
      // Media added later name their own source; a creation reads the dataset's.
      const uri = typeof task.params.sourceUri === 'string' ? task.params.sourceUri : dataset.sourceUri;
      if (uri === null) throw new DomainError('BAD_REQUEST', 'The dataset has no source to read');
      if (uri.startsWith('s3://')) return s3Source(s3(), uri);
      const real = await resolveImportPath(uri, deps.importRoots);
      const roots = await realRoots(deps.importRoots);
      return (await stat(real)).isDirectory() ? localFolderSource(real, roots) : manifestSource(real, roots);
    },

    async openLocation(location) {
      if (location.startsWith('blob:')) return deps.blobs.localFile(location.slice(5));
      if (location.startsWith('s3://')) {
        if (deps.s3 === null) throw new MediaFailure('the item is in S3 but no S3 storage is configured');
        return openS3Location({ client: deps.s3, tmpDir: deps.tmpDir }, location);
      }
      if (location.startsWith('file:')) {
        // Checked again at read time: a file may have been swapped for a symlink since listing.
        const real = await realpath(location.slice(5));
        if (!(await insideImportRoots(real))) throw new MediaFailure('file is outside the import roots');
        return { path: real, release: async () => {} };
      }
      throw new Error(`unknown item location: ${location}`);
    },
  };
}
