import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/folders.ts';
import { writeMobileNetOnnx } from '../../test/helpers/onnx-model.ts';
import { photosDir } from '../../test/helpers/test-media.ts';
import type { RgbImage } from '../ports/embedder.ts';
import { createMobileNetEmbedder } from './mobilenet-embedder.ts';
import { createOnnxEmbedder, onnxModel, type OnnxEmbedderOptions } from './onnx-embedder.ts';
import { cosine } from './vectors.ts';

let options: OnnxEmbedderOptions;
let images: RgbImage[];

beforeAll(async () => {
  const { path } = await writeMobileNetOnnx(await tempDir('strata-onnx-'));
  options = { modelPath: path, inputSize: 160, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], layout: 'nhwc', dimension: 576 };
  const names = (await readdir(await photosDir())).sort().slice(0, 5);
  images = await Promise.all(
    names.map(async (n) => ({
      data: await sharp(join(await photosDir(), n)).removeAlpha().resize(160, 160, { fit: 'fill' }).raw().toBuffer(),
      width: 160,
      height: 160,
      channels: 3 as const,
    })),
  );
}, 120_000);

describe('ONNX embedder (an operator-supplied model)', () => {
  const embedders: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => Promise.all(embedders.map((e) => e.close())));

  it('gives the same vectors as the same network run by TF.js', async () => {
    const onnx = createOnnxEmbedder(options);
    const tfjs = createMobileNetEmbedder({ center: false, precision: 'float32' });
    embedders.push(onnx, tfjs);
    const [a, b] = await Promise.all([onnx.embed(images), tfjs.embed(images)]);
    expect(a).toHaveLength(images.length);
    for (let i = 0; i < images.length; i++) {
      expect(a[i]!.length).toBe(576);
      expect(cosine(a[i]!, b[i]!)).toBeGreaterThan(0.9999);
    }
    // and different photos stay different
    expect(cosine(a[0]!, a[1]!)).toBeLessThan(0.999);
  });

  it('gives each image the same vector whatever batch it comes in', async () => {
    const onnx = createOnnxEmbedder({ ...options, maxBatch: 2 });
    embedders.push(onnx);
    const batched = await onnx.embed(images);
    const single = await onnx.embed([images[3]!]);
    expect(cosine(batched[3]!, single[0]!)).toBeGreaterThan(0.99999);
  });

  it('names the model by its file digest and preprocessing, and checks the configured dimension', async () => {
    const model = onnxModel(options);
    expect(model).toMatchObject({ name: 'onnx:encoder.onnx', dimension: 576, inputSize: 160 });
    expect(model.version).toMatch(/^[0-9a-f]{12}\/160px\/nhwc\/mean=0.5,0.5,0.5\/std=0.5,0.5,0.5$/);
    expect(onnxModel({ ...options, mean: [0.4, 0.5, 0.5] }).version).not.toBe(model.version);
    const wrong = createOnnxEmbedder({ ...options, dimension: 512 });
    embedders.push(wrong);
    await expect(wrong.embed([images[0]!])).rejects.toThrow(/576 values per image, configured dimension is 512/);
    await expect(createOnnxEmbedder(options).embed([{ ...images[0]!, width: 100 }])).rejects.toThrow(/expected 160×160×3/);
  });
});
