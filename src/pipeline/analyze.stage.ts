import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Item } from '../domain/types.ts';
import { MediaFailure, type Thumbnail } from '../ports/media-processor.ts';
import type { ImportedAnnotations, ItemOutcome, NewFrame } from '../ports/store.ts';
import { boxOutside, pixelBox, rowName, type ItemAnnotations } from '../domain/annotations.ts';
import type { Detection } from '../domain/detection/detections.ts';
import type { PipelineDeps } from './deps.ts';
import { addedEnrichment, type EnrichmentOutputs } from './detect.stage.ts';

const STAGE = 'analyze';

export const thumbKeyOf = (datasetId: string, itemId: string, thumbnail: Thumbnail): string =>
  `datasets/${datasetId}/thumbs/${itemId}.${thumbnail.format === 'jpeg' ? 'jpg' : 'webp'}`;
const frameKeyOf = (datasetId: string, videoId: string, index: number): string => `datasets/${datasetId}/frames/${videoId}/${index}.jpg`;

/**
 * Decodes and measures one item: an image (size, format, EXIF, hashes, quality, thumbnail), or
 * a video (probe, frames, each frame analysed like an image). Media added to an enrichment copy
 * also go through the copy's models (`outputs`). A file that cannot be used is a recorded
 * per-item failure, never an error of the operation.
 */
export async function analyzeStage(deps: PipelineDeps, item: Item, outputs: EnrichmentOutputs): Promise<ItemOutcome> {
  try {
    return item.kind === 'video' ? await analyzeVideo(deps, item, outputs) : await analyzeImage(deps, item, outputs);
  } catch (err) {
    if (err instanceof MediaFailure) return deps.store.items.fail(item.id, STAGE, err.message);
    throw err;
  }
}

async function analyzeImage(deps: PipelineDeps, item: Item, outputs: EnrichmentOutputs): Promise<ItemOutcome> {
  const file = await openOrFail(deps, item.location);
  try {
    const { thumbnail, ...facts } = await deps.media.analyzeImage(file.path);
    const imported = item.annotations && (await importedAnnotations(deps, file.path, item.annotations, facts));
    const enriched = await addedEnrichment(deps, file.path, outputs);
    const thumbKey = thumbKeyOf(item.datasetId, item.id, thumbnail);
    await deps.blobs.put(thumbKey, thumbnail.data);
    return await deps.store.items.completeImage(item.id, STAGE, { ...facts, thumbKey }, imported ?? undefined, enriched);
  } finally {
    await file.release();
  }
}

/**
 * An image's imported annotations, now that its size is known: boxes outside it are reported by
 * their file and row, the others cropped and embedded as detected objects are (confidence 1).
 */
async function importedAnnotations(deps: PipelineDeps, path: string, a: ItemAnnotations, size: { width: number; height: number }): Promise<ImportedAnnotations> {
  const problems: string[] = [];
  const boxes: Detection[] = [];
  for (const b of a.boxes) {
    const outside = boxOutside(b, size.width, size.height);
    if (outside === null) boxes.push({ label: b.label, confidence: 1, box: pixelBox(b, size.width, size.height) });
    else problems.push(`${rowName(b.ref)}: ${outside}`);
  }
  const objects = boxes.length > 0 ? await deps.media.embedObjects(path, boxes) : [];
  return { labels: a.labels, caption: a.caption, objects, problems };
}

async function analyzeVideo(deps: PipelineDeps, item: Item, outputs: EnrichmentOutputs): Promise<ItemOutcome> {
  const file = await openOrFail(deps, item.location);
  const workDir = join(deps.tmpDir, `frames-${item.id}-${randomUUID()}`);
  try {
    const probe = await deps.media.probeVideo(file.path);
    await mkdir(workDir, { recursive: true });
    const frameFiles = await deps.media.extractFrames(file.path, workDir);
    const frames: NewFrame[] = [];
    const failures: string[] = [];
    // Frames go through the worker pool together; the pool bounds the parallelism.
    await Promise.all(
      frameFiles.map(async (f) => {
        try {
          const { thumbnail, ...facts } = await deps.media.analyzeImage(f.path);
          const id = randomUUID();
          const frameKey = frameKeyOf(item.datasetId, item.id, f.index);
          const thumbKey = thumbKeyOf(item.datasetId, id, thumbnail);
          await deps.blobs.put(frameKey, await readFile(f.path));
          await deps.blobs.put(thumbKey, thumbnail.data);
          const enriched = await addedEnrichment(deps, f.path, outputs);
          frames.push({ id, frameIndex: f.index, frameTimestamp: f.timestampSeconds, location: `blob:${frameKey}`, ...facts, thumbKey, ...(enriched && { enriched }) });
        } catch (err) {
          if (!(err instanceof MediaFailure)) throw err;
          failures.push(`frame ${f.index}: ${err.message}`);
        }
      }),
    );
    if (frames.length === 0) {
      throw new MediaFailure(failures.length > 0 ? `no frame could be decoded (${failures[0]})` : 'no frames could be extracted from the video');
    }
    frames.sort((a, b) => a.frameIndex - b.frameIndex);
    return await deps.store.items.completeVideo(item.id, STAGE, { ...probe, frames: frames.length, frame_failures: failures.length }, frames);
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await file.release();
  }
}

export async function openOrFail(deps: PipelineDeps, location: string): Promise<{ path: string; release(): Promise<void> }> {
  try {
    return await deps.sources.openLocation(location);
  } catch (err) {
    if (err instanceof MediaFailure) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MediaFailure('file no longer exists at its source');
    if (code === 'EACCES') throw new MediaFailure('file is not readable (permission denied)');
    throw err;
  }
}
