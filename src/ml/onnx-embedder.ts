import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { OnnxImageModelConfig } from '../config/config.ts';
import type { Embedder, EmbedderModel, RgbImage } from '../ports/embedder.ts';
import { lazyOnnxSession } from './onnx-session.ts';
import { l2Normalize } from './vectors.ts';

/**
 * An operator-supplied image encoder in ONNX format (a CLIP image tower, a DINOv2, a fine-tuned
 * ResNet…), run by ONNX Runtime on the CPU. The operator states how the model wants its input
 * (see OnnxImageModelConfig); the pooled output (or the named output) is the embedding, L2-normalised.
 */
export type OnnxEmbedderOptions = OnnxImageModelConfig & {
  /** Images per run; larger calls are split. */
  maxBatch?: number;
};

/**
 * The model's identity without loading it: its file's SHA-256 and the preprocessing, so that a
 * new file or other settings make a new model version (and a re-embedding).
 */
export function onnxModel(o: OnnxEmbedderOptions): EmbedderModel {
  const digest = createHash('sha256').update(readFileSync(o.modelPath)).digest('hex').slice(0, 12);
  const prep = `${o.inputSize}px/${o.layout}/mean=${o.mean.join(',')}/std=${o.std.join(',')}${o.output ? `/${o.output}` : ''}`;
  return { name: `onnx:${basename(o.modelPath)}`, version: `${digest}/${prep}`, dimension: o.dimension, inputSize: o.inputSize, fit: 'fill' };
}

export function createOnnxEmbedder(options: OnnxEmbedderOptions): Embedder {
  const model = onnxModel(options);
  const maxBatch = options.maxBatch ?? 16;
  const session = lazyOnnxSession(options.modelPath);
  let closed = false;

  async function run(images: readonly RgbImage[]): Promise<Float32Array[]> {
    const { ort, session: loaded } = await session.get();
    const size = options.inputSize;
    const input = toInput(images, options);
    const dims = options.layout === 'nchw' ? [images.length, 3, size, size] : [images.length, size, size, 3];
    const outputs = await loaded.run({ [loaded.inputNames[0]!]: new ort.Tensor('float32', input, dims) });
    const out = outputs[options.output ?? loaded.outputNames[0]!];
    if (out === undefined) throw new Error(`the ONNX model has no output ${options.output}`);
    const data = out.data as Float32Array;
    const dim = data.length / images.length;
    if (dim !== options.dimension) throw new Error(`the ONNX model returned ${dim} values per image, configured dimension is ${options.dimension}`);
    return images.map((_, i) => l2Normalize(data.slice(i * dim, (i + 1) * dim)));
  }

  return {
    model,
    async embed(images) {
      if (closed) throw new Error('embedder is closed');
      for (const [i, image] of images.entries()) {
        if (image.width !== options.inputSize || image.height !== options.inputSize || image.data.length !== options.inputSize ** 2 * 3) {
          throw new Error(`image ${i} is ${image.width}×${image.height}, expected ${options.inputSize}×${options.inputSize}×3`);
        }
      }
      const vectors: Float32Array[] = [];
      for (let s = 0; s < images.length; s += maxBatch) vectors.push(...(await run(images.slice(s, s + maxBatch))));
      return vectors;
    },
    async close() {
      closed = true;
      await session.release();
    },
  };
}

/** x / 255, normalised per channel, in the model's layout. */
function toInput(images: readonly RgbImage[], o: OnnxEmbedderOptions): Float32Array {
  const plane = o.inputSize * o.inputSize;
  const out = new Float32Array(images.length * plane * 3);
  const scale = o.std.map((s) => 1 / (255 * s));
  const shift = o.mean.map((m, c) => m / o.std[c]!);
  images.forEach((image, n) => {
    const base = n * plane * 3;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const v = image.data[p * 3 + c]! * scale[c]! - shift[c]!;
        out[o.layout === 'nchw' ? base + c * plane + p : base + p * 3 + c] = v;
      }
    }
  });
  return out;
}
