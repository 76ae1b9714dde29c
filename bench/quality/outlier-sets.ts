/**
 * Sets with planted outliers, for the outlier rule: a few images of another kind (IDE and
 * installer screenshots, diagrams and charts from opencv-doc, logos and clipart from
 * desktop-base) among many of one kind (wallpapers: Plasma, MATE, GNOME, UKUI; photos: opencv,
 * skimage, darknet, and the photographs among them; or one scene shot many times: opencv's chessboard calibration series). Analysed once with the configured embedder through the media
 * worker pool; vectors and figures cached under .cache/quality/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.ts';
import type { KnnGraph } from '../../src/domain/similarity/knn-graph.ts';
import type { Quality } from '../../src/domain/types.ts';
import { createMediaProcessor } from '../../src/media/media-processor.ts';
import { photographNames, photosDir, testMediaDir } from '../../test/helpers/test-media.ts';
import { repoDir } from '../lib.ts';

export interface Pools {
  /** One scene shot over and over: opencv's chessboard calibration series. */
  chessboards: string[];
  wallpapers: string[];
  /** The opencv, skimage and darknet test images: photographs, and scans, text, logos, charts and renders. */
  photos: string[];
  /** Those of them that are photographs (test/helpers/test-media.ts photographNames). */
  photographs: string[];
  screenshots: string[];
  diagrams: string[];
  clipart: string[];
}

export async function pools(): Promise<Pools> {
  const photos = await photosDir();
  const inPhotos = (re: RegExp) => readdirSync(photos).filter((n) => re.test(n)).sort().map((n) => join(photos, n));
  const extra = join(execFileSync('bash', [join(repoDir, 'bench/quality/fetch-images.sh')], { encoding: 'utf8' }).trim(), 'images');
  const inExtra = (re: RegExp) => readdirSync(extra).filter((n) => re.test(n)).sort().map((n) => join(extra, n));
  const docs = join(await testMediaDir(), 'root/usr/share/doc/opencv-doc/opencv4/html');
  const inDocs = (re: RegExp) => readdirSync(docs).filter((n) => re.test(n) && /\.(png|jpe?g)$/i.test(n)).sort().map((n) => join(docs, n));
  return {
    chessboards: inPhotos(/^opencv-left\d+\.jpg$/),
    wallpapers: [...inPhotos(/^(plasma|mate)-/), ...inExtra(/^(gnome-backgrounds|ukui-wallpapers)-/)],
    photos: inPhotos(/^(opencv|skimage|darknet)-/),
    photographs: photographNames.map((n) => join(photos, n)),
    screenshots: inDocs(/^(eclipse_|CMake|.*VisualStudio|android_|qt)/),
    diagrams: inDocs(/(scheme|figure|chart|matplotlib|_plot)/i),
    clipart: inExtra(/^desktop-base-(logo|emblem|rocket|support|glow)/),
  };
}

/** What the analysis stores of a file that the outlier rule reads: its vector, quality figures and size. */
export interface Analysed {
  vector: Float32Array;
  quality: Quality;
  width: number;
  height: number;
}

/** Counts the changes to the quality figures measured (2: the mode fraction), so that the cache holds them. */
const qualityFiguresVersion = 2;

/** The analysis of each file, from the cache or computed now. */
export async function analysesOf(files: readonly string[]): Promise<Map<string, Analysed>> {
  const media = createMediaProcessor(loadConfig({ ...process.env, STRATA_DATA_DIR: join(repoDir, '.cache/quality/data') }));
  const dir = join(repoDir, '.cache/quality');
  mkdirSync(dir, { recursive: true });
  const cacheFile = join(dir, `analyses-${media.embeddingModel.replace(/[^a-zA-Z0-9.-]+/g, '_')}-q${qualityFiguresVersion}.json`);
  type Cached = Omit<Analysed, 'vector'> & { vector: number[] };
  const cached: Record<string, Cached> = existsSync(cacheFile) ? JSON.parse(readFileSync(cacheFile, 'utf8')) : {};
  try {
    const missing = files.filter((f) => !(f in cached));
    let next = 0;
    const worker = async () => {
      while (next < missing.length) {
        const f = missing[next++]!;
        const a = await media.analyzeImage(f);
        cached[f] = { vector: Array.from(a.embedding.vector), quality: a.quality, width: a.width, height: a.height };
      }
    };
    await Promise.all(Array.from({ length: 2 }, worker));
    if (missing.length > 0) writeFileSync(cacheFile, JSON.stringify(cached));
  } finally {
    await media.close();
  }
  return new Map(files.map((f) => [f, { ...cached[f]!, vector: Float32Array.from(cached[f]!.vector) }]));
}

/** The exact k-nearest-neighbour graph by cosine (the index's approximation is not under test here). */
export function exactGraph(vectors: readonly Float32Array[], k: number): KnnGraph {
  const n = vectors.length;
  const norm = vectors.map((v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1);
  const g: KnnGraph = { n, k, neighbors: new Int32Array(n * k).fill(-1), cosine: new Float32Array(n * k), level: new Float32Array(n * k), exactOf: Int32Array.from({ length: n }, (_, i) => i) };
  for (let i = 0; i < n; i++) {
    const sims: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let dot = 0;
      for (let d = 0; d < vectors[i]!.length; d++) dot += vectors[i]![d]! * vectors[j]![d]!;
      sims.push([j, dot / norm[i]! / norm[j]!]);
    }
    sims.sort((a, b) => b[1] - a[1]);
    for (let r = 0; r < Math.min(k, sims.length); r++) {
      g.neighbors[i * k + r] = sims[r]![0];
      g.cosine[i * k + r] = sims[r]![1];
    }
  }
  return g;
}
