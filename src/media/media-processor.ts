import { setFlagsFromString } from 'node:v8';
import { Piscina } from 'piscina';
import type { Config } from '../config/config.ts';
import { clipModelIdOf } from '../ml/clip-text-encoder.ts';
import { embedderModelOf, modelIdOf } from '../ml/embedders.ts';
import { MediaFailure, type AnalyzedImage, type DetectedObject, type Embedding, type MediaProcessor } from '../ports/media-processor.ts';
import type { AnalyzeTask } from './analyze.worker.ts';
import { MediaError } from './media-error.ts';
import { extractFrames, probeVideo } from './video.ts';

const embeddingOf = (e: Embedding): Embedding => ({ model: e.model, vector: new Float32Array(e.vector), copyDescriptor: new Uint8Array(e.copyDescriptor) });

/**
 * V8 counts the Buffers an isolate allocates towards its old generation, and a worker starts
 * with a small limit: at ~2 MB of pixel buffers per image, each media worker ran a full
 * mark-compact every dozen images (25 per worker for 600 images; 2 with this flag), about
 * 1 ms of CPU per image in all. Set when the pool starts, it applies to the isolates created
 * from then on (the workers); it starts them at a larger limit without capping anything, and
 * measured no change in the process's peak memory.
 */
const workerHeapFlag = '--initial-old-space-size=64';

/**
 * Image work runs in a pool of worker threads, one per core, so the event loop stays free for
 * API requests while a dataset indexes. Video decoding runs in ffmpeg processes.
 */
export function createMediaProcessor(config: Config): MediaProcessor {
  // Started on first use: an API-only process never pays for the threads.
  let pool: Piscina | null = null;
  const threads = (): Piscina => {
    if (pool === null) {
      setFlagsFromString(workerHeapFlag);
      pool = new Piscina({
        filename: new URL('./worker-entry.mjs', import.meta.url).href,
        minThreads: config.workers,
        maxThreads: config.workers,
        concurrentTasksPerWorker: 2,
        idleTimeout: 60_000,
        workerData: { embedder: config.embedder, clipImage: config.multimodal.clip?.image ?? null },
      });
    }
    return pool;
  };

  const task = (kind: AnalyzeTask['kind'], path: string): AnalyzeTask => ({
    kind,
    path,
    maxPixels: config.maxImagePixels,
    thumbnailSize: config.thumbnailSize,
    ffmpegPath: config.ffmpegPath,
    heifConvertPath: config.heifConvertPath,
  });

  async function run<T>(task: AnalyzeTask): Promise<T> {
    const reply = (await threads().run(task)) as { ok: true; result: T } | { ok: false; reason: string };
    if (!reply.ok) throw new MediaFailure(reply.reason);
    return reply.result;
  }

  async function video<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof MediaError) throw new MediaFailure(err.message);
      throw err;
    }
  }

  return {
    embeddingModel: modelIdOf(embedderModelOf(config.embedder)),

    async analyzeImage(path) {
      const result = await run<AnalyzedImage>(task('analyze', path));
      // Buffers arrive as plain Uint8Arrays after crossing the thread boundary.
      const { thumbnail, embedding } = result;
      return { ...result, thumbnail: { data: Buffer.from(thumbnail.data), format: thumbnail.format }, embedding: embeddingOf(embedding) };
    },

    async embedImage(path, options) {
      return embeddingOf((await run<{ embedding: Embedding }>({ ...task('embed', path), ...(options?.region && { region: options.region }) })).embedding);
    },

    async detectObjects(path) {
      const { objects } = await run<{ objects: DetectedObject[] }>(task('detect', path));
      return objects.map((o) => ({ ...o, embedding: embeddingOf(o.embedding) }));
    },

    async embedObjects(path, known) {
      const { objects } = await run<{ objects: DetectedObject[] }>({ ...task('detect', path), objects: [...known] });
      return objects.map((o) => ({ ...o, embedding: embeddingOf(o.embedding) }));
    },

    textAlignedModel: config.multimodal.clip === null ? null : clipModelIdOf(config.multimodal.clip),

    async textAlignedVectors(path, boxes) {
      const { image, objects } = await run<{ image: Float32Array; objects: Float32Array[] }>({ ...task('align', path), boxes: [...boxes] });
      return { image: new Float32Array(image), objects: objects.map((v) => new Float32Array(v)) };
    },

    async jpegOf(path, maxSide) {
      return Buffer.from((await run<{ jpeg: Uint8Array }>({ ...task('jpeg', path), maxSide })).jpeg);
    },

    probeVideo: (path) => video(async () => ({ ...(await probeVideo(path, { ffprobePath: config.ffprobePath })) })),

    extractFrames: (path, outDir) =>
      video(() =>
        extractFrames(path, {
          outDir,
          fps: config.videoFps,
          maxFrames: config.videoMaxFrames,
          ffmpegPath: config.ffmpegPath,
          ffprobePath: config.ffprobePath,
          maxPixels: config.maxImagePixels,
        }),
      ),

    close: async () => {
      await pool?.destroy();
    },
  };
}
