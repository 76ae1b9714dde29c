import { isAnnotationFileName } from '../../domain/annotations.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { MediaSource, SourceEntry } from '../../ports/media-source.ts';
import type { UploadedFile, UploadsRepo } from '../../ports/store.ts';
import { mediaKindOf } from '../media-types.ts';
import { readAnnotationRows } from './annotation-files.ts';

const baseName = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/**
 * The files of one upload transaction, in upload order. Unknown types become per-item failures;
 * annotation files (by base name, so a folder upload's root may hold them) are read as such.
 */
export function uploadSource(uploads: UploadsRepo, blobs: BlobStore, datasetId: string, transId: number): MediaSource {
  async function* all(): AsyncGenerator<UploadedFile> {
    let after = 0;
    for (;;) {
      const page = await uploads.page(datasetId, transId, after, 500);
      if (page.length === 0) return;
      yield* page;
      after = page[page.length - 1]!.id;
    }
  }

  return {
    async *list(): AsyncGenerator<SourceEntry> {
      for await (const u of all()) {
        if (isAnnotationFileName(baseName(u.fileName))) continue;
        const kind = mediaKindOf(u.fileName);
        yield {
          sourceKey: `upload:${u.id}`,
          fileName: u.fileName,
          originalUri: u.fileName,
          location: `blob:${u.blobKey}`,
          sizeBytes: u.sizeBytes,
          kind: kind ?? 'image',
          ...(kind === null && { refused: 'unsupported file type (not a known image or video extension)' }),
        };
      }
    },

    async annotationRows() {
      const files = new Map<string, string>();
      for await (const u of all()) {
        const name = baseName(u.fileName);
        if (isAnnotationFileName(name) && !files.has(name)) files.set(name, u.blobKey);
      }
      return readAnnotationRows(async (name) => {
        const key = files.get(name);
        return key === undefined ? null : blobs.localFile(key);
      });
    },
  };
}
