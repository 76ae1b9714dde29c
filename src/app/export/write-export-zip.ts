import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { ExportFormat, MediaSelection } from '../../domain/export.ts';
import type { AppContext } from '../context.ts';
import { openOriginal } from '../media.ts';
import { exportPages, type ExportItem } from './export-items.ts';
import { csvMetadataFile, jsonMetadataFile, parquetMetadataFile, type MetadataFile } from './metadata-files.ts';
import type { ExportInfo } from './metadata.ts';

export interface ExportContent {
  datasetId: string;
  selection: MediaSelection | null;
  format: ExportFormat;
  includeImages: boolean;
  info: ExportInfo;
}

/** Where an item's file goes inside the zip: its id keeps names unique, its extension keeps it openable. */
function imagePathOf(x: ExportItem): string {
  const { item } = x.record;
  const ext = item.kind === 'video_frame' ? '.jpg' : extname(item.fileName).toLowerCase().replace(/[^.a-z0-9]/g, '');
  return `images/${item.id}${ext}`;
}

/**
 * Writes an export's zip into the blob store under `key`, streamed: the metadata file goes to
 * a scratch file a page of items at a time, images are copied one at a time, and the zip is
 * written as it is made. Returns the zip's size and how many images were no longer at their
 * source (left out, their `image_path` null). `onProgress` gets the items done so far.
 */
export async function writeExportZip(
  ctx: AppContext,
  content: ExportContent,
  key: string,
  onProgress: (itemsDone: number) => Promise<void>,
): Promise<{ sizeBytes: number; missingImages: number }> {
  const work = join(ctx.pipeline.tmpDir, `export-${randomUUID()}`);
  await mkdir(work, { recursive: true });
  const zip = new ZipFile();
  // A zip error (a file that changed size while it was read) fails the write, and so the export.
  zip.on('error', (err: Error) => (zip.outputStream as Readable).destroy(err));
  const stored = ctx.blobs.put(key, zip.outputStream as Readable);
  // A failed write (disk full, bucket gone) ends the export at once instead of stalling it.
  const storeFailed = new Promise<never>((_, reject) => void stored.catch(reject));
  storeFailed.catch(() => {});
  try {
    const name = `metadata.${content.format}`;
    const path = join(work, name);
    const writers: Record<ExportFormat, () => MetadataFile> = {
      json: () => jsonMetadataFile(path, content.info),
      parquet: () => parquetMetadataFile(path, content.info),
      csv: () => csvMetadataFile(path),
    };
    const metadata = writers[content.format]();
    let done = 0;
    let missingImages = 0;
    for await (const page of exportPages(ctx.store, content.datasetId, content.selection)) {
      if (content.includeImages) {
        for (const x of page) {
          x.imagePath = await Promise.race([addImage(ctx, zip, x), storeFailed]);
          if (x.imagePath === null) missingImages++;
        }
      }
      await metadata.add(page);
      done += page.length;
      await onProgress(done);
    }
    await metadata.finish();
    zip.addFile(path, name);
    zip.end();
    return { sizeBytes: await stored, missingImages };
  } catch (err) {
    (zip.outputStream as Readable).destroy(err as Error);
    await stored.catch(() => {});
    await ctx.blobs.deletePrefix(key);
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Copies one item's file into the zip and waits until the zip has read it; null when the file is gone. */
async function addImage(ctx: AppContext, zip: ZipFile, x: ExportItem): Promise<string | null> {
  const file = await openOriginal(ctx, x.record.item);
  if ('unavailable' in file) return null;
  const path = imagePathOf(x);
  const read = once(file.stream, 'end');
  // Images are compressed already: stored as they are, which also keeps the copy cheap.
  zip.addReadStream(file.stream, path, { compress: false, size: file.size });
  await read;
  return path;
}
