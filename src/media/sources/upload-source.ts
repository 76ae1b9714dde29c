import type { MediaSource, SourceEntry } from '../../ports/media-source.ts';
import type { UploadsRepo } from '../../ports/store.ts';
import { mediaKindOf } from '../media-types.ts';

/** The files of one upload transaction, in upload order. Unknown types become per-item failures. */
export function uploadSource(uploads: UploadsRepo, datasetId: string, transId: number): MediaSource {
  return {
    async *list(): AsyncGenerator<SourceEntry> {
      let after = 0;
      for (;;) {
        const page = await uploads.page(datasetId, transId, after, 500);
        if (page.length === 0) return;
        for (const u of page) {
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
        after = page[page.length - 1]!.id;
      }
    },
  };
}
