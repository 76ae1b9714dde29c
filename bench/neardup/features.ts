/**
 * What Strata's pipeline computes for every file of the labelled set — the embedding, the
 * copy descriptor, the byte hash — through the same media worker pool the server uses.
 * Cached next to the set (features-<model>.json) so the calibration and the benchmark can be
 * re-run quickly; a new model version gets a new file.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.ts';
import { createMediaProcessor } from '../../src/media/media-processor.ts';
import type { LabelledSet } from './labelled-set.ts';

export interface FileFeatures {
  file: string;
  vector: Float32Array;
  copyDescriptor: Uint8Array;
  byteHash: string;
}

export async function setFeatures(set: LabelledSet): Promise<{ model: string; features: FileFeatures[] }> {
  // The configured embedder (STRATA_EMBEDDER_ONNX …), so a calibration can be fitted for any model.
  const media = createMediaProcessor(loadConfig());
  const model = media.embeddingModel;
  const cache = join(set.dir, '..', `features-${model.replace(/[^a-zA-Z0-9.-]+/g, '_')}.json`);
  if (existsSync(cache)) {
    await media.close();
    const rows = JSON.parse(await readFile(cache, 'utf8')) as Array<{ file: string; byteHash: string; vector: number[]; copyDescriptor: number[] }>;
    return { model, features: rows.map((r) => ({ ...r, vector: Float32Array.from(r.vector), copyDescriptor: Uint8Array.from(r.copyDescriptor) })) };
  }
  const features: FileFeatures[] = [];
  try {
    let next = 0;
    const worker = async () => {
      while (next < set.files.length) {
        const f = set.files[next++]!;
        const a = await media.analyzeImage(join(set.dir, f.file));
        features.push({ file: f.file, vector: a.embedding.vector, copyDescriptor: a.embedding.copyDescriptor, byteHash: a.byteHash });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  } finally {
    await media.close();
  }
  features.sort((a, b) => (a.file < b.file ? -1 : 1));
  const json = features.map((f) => ({ ...f, vector: Array.from(f.vector, (v) => Math.round(v * 1e6) / 1e6), copyDescriptor: Array.from(f.copyDescriptor) }));
  await writeFile(cache, JSON.stringify(json));
  return { model, features };
}
