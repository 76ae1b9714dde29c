import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
// Tests prepare pixels the way the media worker will (sharp, fill to the model's square).
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photosDir } from '../../test/helpers/test-media.ts';
import type { Embedder, RgbImage } from '../ports/embedder.ts';
import { createMobileNetEmbedder } from './mobilenet-embedder.ts';
import { floatVersionOf, int8QuantisationOf, mobileNetDefaults } from './mobilenet-info.ts';
import { exportMobileNetOnnx, type MobileNetEngine } from './mobilenet-model.ts';
import { loadNsfwjsMobileNetV2 } from './nsfwjs-weights.ts';
import { ensureWasmBackend } from './tfjs-wasm.ts';
import { cosine } from './vectors.ts';

/** Different scenes: people, animals, nature, food, a painting, a wallpaper. */
const photoNames = [
  'darknet-dog.jpg',
  'darknet-giraffe.jpg',
  'darknet-scream.jpg',
  'opencv-fruits.jpg',
  'mate-nature-Storm.jpg',
  'skimage-astronaut.png',
  'plasma-Autumn-2560x1600.jpg',
];

interface Photo {
  name: string;
  /** Upright sRGB working copy, as the media worker decodes it (≤ 1024 px). */
  working: { data: Buffer; width: number; height: number };
}

let photos: Photo[] = [];

beforeAll(async () => {
  const dir = await photosDir();
  photos = await Promise.all(
    photoNames.map(async (name) => {
      const { data, info } = await sharp(join(dir, name))
        .rotate()
        .resize(1024, 1024, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .toColourspace('srgb')
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { name, working: { data, width: info.width, height: info.height } };
    }),
  );
});

function fromWorking(photo: Photo): sharp.Sharp {
  const { data, width, height } = photo.working;
  return sharp(data, { raw: { width, height, channels: 3 } });
}

async function toInput(image: sharp.Sharp | Buffer, size: number): Promise<RgbImage> {
  const pipeline = Buffer.isBuffer(image) ? sharp(image) : image;
  const data = await pipeline.resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  return { data: new Uint8Array(data), width: size, height: size, channels: 3 };
}

/** A copy at half the size, JPEG-recompressed at quality 60, then prepared like any image. */
async function resizedJpegCopy(photo: Photo, size: number): Promise<RgbImage> {
  const jpeg = await fromWorking(photo)
    .resize(Math.round(photo.working.width / 2))
    .jpeg({ quality: 60 })
    .toBuffer();
  return toInput(jpeg, size);
}

function expectClose(a: Float32Array, b: Float32Array, tolerance: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
}

describe('the ONNX export kept between starts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-onnx-cache-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const embedWith = async (cacheDir: string) => {
    const embedder = createMobileNetEmbedder({}, { onnxCacheDir: cacheDir });
    try {
      return await embedder.embed([await toInput(fromWorking(photos[0]!), embedder.model.inputSize)]);
    } finally {
      await embedder.close();
    }
  };
  const cached = async () => (await readdir(dir)).filter((name) => name.endsWith('.onnx'));

  it('is written once, reused as it is, and gives the vectors of a fresh export', async () => {
    const fresh = await embedWith(join(dir, 'elsewhere'));
    const first = await embedWith(dir);
    const files = await cached();
    expect(files).toHaveLength(1);
    const written = await stat(join(dir, files[0]!));
    expect(await embedWith(dir)).toEqual(first);
    expect((await stat(join(dir, files[0]!))).mtimeMs).toBe(written.mtimeMs);
    expect(first).toEqual(fresh);
  });

  it('only costs time when it cannot be written', async () => {
    const blocked = join(dir, 'not-a-directory');
    await writeFile(blocked, 'a file where the cache directory would be');
    expect(await embedWith(join(blocked, 'cache'))).toEqual(await embedWith(dir));
  });

  it('is exported again when the file is damaged, and stale exports are removed', async () => {
    const [file] = await cached();
    const expected = await embedWith(dir);
    await writeFile(join(dir, file!), 'not an onnx model');
    await writeFile(join(dir, 'mobilenet-0000000000000000.onnx'), 'an export of an older version');
    expect(await embedWith(dir)).toEqual(expected);
    expect(await cached()).toEqual([file]);
    expect((await stat(join(dir, file!))).size).toBeGreaterThan(500_000);
  });
});

describe('default MobileNetV2 embedder', () => {
  let embedder: Embedder;
  let inputs: RgbImage[];
  let vectors: Float32Array[];

  beforeAll(async () => {
    embedder = createMobileNetEmbedder();
    const size = embedder.model.inputSize;
    inputs = await Promise.all(photos.map((photo) => toInput(fromWorking(photo), size)));
    vectors = await embedder.embed(inputs);
  });

  afterAll(() => embedder.close());

  it('describes its model', () => {
    expect(embedder.model).toMatchObject({
      name: 'nsfwjs-mobilenet-v2',
      version: 'nsfwjs@4.3.0/block_13_expand_relu/avg/160px/signed/int8-eafe3ac3/l2-centred-e98e9774',
      dimension: 576,
      inputSize: 160,
      fit: 'fill',
    });
  });

  it('returns one unit-length vector of the model dimension per image', () => {
    expect(vectors).toHaveLength(photos.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(embedder.model.dimension);
      expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-5);
    }
  });

  it('is deterministic', async () => {
    const again = await embedder.embed(inputs);
    again.forEach((v, i) => expectClose(v, vectors[i]!, 1e-6));
  });

  it('gives each image the same vector alone as in a batch', async () => {
    for (const [i, input] of inputs.entries()) {
      const [alone] = await embedder.embed([input]);
      expectClose(alone!, vectors[i]!, 1e-4);
    }
  });

  it('keeps a resized, re-compressed copy closer than any other photo', async () => {
    const copies = await embedder.embed(
      await Promise.all(photos.map((photo) => resizedJpegCopy(photo, embedder.model.inputSize))),
    );
    photos.forEach((photo, i) => {
      const toCopy = cosine(vectors[i]!, copies[i]!);
      vectors.forEach((other, j) => {
        if (j === i) return;
        const toOther = cosine(vectors[i]!, other);
        expect(toCopy, `${photo.name}: copy ${toCopy} vs ${photos[j]!.name} ${toOther}`).toBeGreaterThan(toOther);
      });
    });
  });

  it('rejects pixels of the wrong size and runs nothing for an empty batch', async () => {
    const wrong: RgbImage = { data: new Uint8Array(100 * 100 * 3), width: 100, height: 100, channels: 3 };
    await expect(embedder.embed([wrong])).rejects.toThrow(/expected 160×160×3/);
    const short: RgbImage = { data: new Uint8Array(10), width: 160, height: 160, channels: 3 };
    await expect(embedder.embed([short])).rejects.toThrow(/bytes/);
    await expect(embedder.embed([])).resolves.toEqual([]);
  });

  it('gives the same vectors inside a worker thread', async () => {
    const embedderUrl = new URL('./mobilenet-embedder.ts', import.meta.url).href;
    // Worker threads start without the TypeScript loader: register tsx first, as the media pool
    // does. An eval'd worker resolves bare specifiers from the working directory (the repo).
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import('tsx/esm/api')
        .then((api) => { api.register(); return import(${JSON.stringify(embedderUrl)}); })
        .then(async ({ createMobileNetEmbedder }) => {
          const embedder = createMobileNetEmbedder();
          const vectors = await embedder.embed(workerData.images);
          await embedder.close();
          parentPort.postMessage(vectors);
        });`;
    const worker = new Worker(code, { eval: true, workerData: { images: inputs.slice(0, 3) } });
    try {
      const fromWorker = await new Promise<Float32Array[]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      fromWorker.forEach((v, i) => expectClose(v, vectors[i]!, 1e-6));
    } finally {
      await worker.terminate();
    }
  });
});

describe('int8 precision (the default)', () => {
  it('stays within a cosine of 0.99 of the float network on photos, without being it', async () => {
    const int8 = createMobileNetEmbedder();
    const float = createMobileNetEmbedder({ precision: 'float32' });
    try {
      expect(int8.model.version).toMatch(/\/int8-[0-9a-f]{8}\//);
      expect(float.model.version).not.toMatch(/int8/);
      const inputs = await Promise.all(photos.map((photo) => toInput(fromWorking(photo), 160)));
      const [quantised, exact] = [await int8.embed(inputs), await float.embed(inputs)];
      const cosines = quantised.map((v, i) => cosine(v, exact[i]!));
      // Measured on 160 photos of the labelled set: min 0.9945, median 0.9983 (centred vectors).
      for (const [i, c] of cosines.entries()) expect(c, photos[i]!.name).toBeGreaterThan(0.99);
      expect(Math.min(...cosines)).toBeLessThan(0.99999);
    } finally {
      await Promise.all([int8.close(), float.close()]);
    }
  });

  it('has a stored range for exactly the activations the float network exposes for measuring', async () => {
    const ort = await import('onnxruntime-node');
    const defaults = { ...mobileNetDefaults, precision: 'float32' } as const;
    const model = await exportMobileNetOnnx({ inputSize: defaults.inputSize, featureLayer: defaults.featureLayer, int8: null }, { exposeActivations: true });
    const session = await ort.InferenceSession.create(model);
    const exposed = session.outputNames.filter((name) => name !== 'features');
    await session.release();
    const { ranges, floatConvs } = int8QuantisationOf(floatVersionOf(defaults)).quantisation;
    expect(exposed.sort()).toEqual(Object.keys(ranges).sort());
    expect(floatConvs).toBeGreaterThanOrEqual(0);
  });

  it('runs on ONNX Runtime only', async () => {
    const embedder = createMobileNetEmbedder({ engine: 'fused' });
    const input: RgbImage = { data: new Uint8Array(160 * 160 * 3).fill(100), width: 160, height: 160, channels: 3 };
    await expect(embedder.embed([input])).rejects.toThrow(/float only: use precision float32/);
    await embedder.close();
  });

  it('needs measured ranges: a configuration without them is refused by name', () => {
    expect(() => createMobileNetEmbedder({ inputSize: 128 })).toThrow(/no int8 ranges for nsfwjs@[^ ]+\/128px\/signed/);
  });
});

describe('1280-d pooled features (featureLayer out_relu)', () => {
  it('equal nsfwjs’ own flatten_1 output, computed by plain tfjs-layers', async () => {
    const embedder = createMobileNetEmbedder({ featureLayer: 'out_relu', pixelScale: 'unit', inputSize: 224, center: false, precision: 'float32' });
    expect(embedder.model.dimension).toBe(1280);
    const inputs = await Promise.all(photos.slice(0, 3).map((photo) => toInput(fromWorking(photo), 224)));
    const vectors = await embedder.embed(inputs);
    await embedder.close();

    // The untouched classifier, read at its flatten_1 layer: checks the topology rewrite and
    // the batch-norm folding of the fused path in one go.
    await ensureWasmBackend();
    const files = loadNsfwjsMobileNetV2();
    const full = await tf.models.modelFromJSON({
      modelTopology: files.modelTopology as unknown as tf.io.ModelJSON['modelTopology'],
    });
    const weights = tf.io.decodeWeights(files.weightData, files.weightSpecs);
    full.loadWeights(weights, true);
    tf.dispose(Object.values(weights));
    const flatten = tf.model({ inputs: full.inputs, outputs: full.getLayer('flatten_1').output as tf.SymbolicTensor });
    const x = tf.tidy(() =>
      tf.stack(inputs.map((input) => tf.tensor3d(input.data, [224, 224, 3], 'int32').toFloat().div(255))),
    );
    const reference = flatten.predict(x) as tf.Tensor2D;
    const rows = (await reference.array()) as number[][];
    tf.dispose([x, reference]);
    full.dispose();

    rows.forEach((row, i) => {
      const v = Float32Array.from(row);
      const unit = v.map((value) => value / norm(v));
      expect(Math.abs(norm(vectors[i]!) - 1)).toBeLessThan(1e-5);
      expectClose(vectors[i]!, unit, 1e-4);
    });
  });

  it('runs the same through the unfused tfjs-layers engine and through ONNX Runtime', async () => {
    const input = await toInput(fromWorking(photos[0]!), 160);
    const [fused] = await loadAndEmbed('fused', input);
    const [layers] = await loadAndEmbed('layers', input);
    const [onnx] = await loadAndEmbed('onnx', input);
    expectClose(fused!, layers!, 1e-4);
    expectClose(fused!, onnx!, 1e-4);
  });
});

async function loadAndEmbed(engine: MobileNetEngine, input: RgbImage): Promise<Float32Array[]> {
  const embedder = createMobileNetEmbedder({ featureLayer: 'out_relu', inputSize: 160, engine, center: false, precision: 'float32' });
  try {
    return await embedder.embed([input]);
  } finally {
    await embedder.close();
  }
}

describe('lifecycle', () => {
  it('loads once however many calls race, frees everything on close, then refuses work', async () => {
    await ensureWasmBackend();
    const input: RgbImage = { data: new Uint8Array(128 * 128 * 3).fill(127), width: 128, height: 128, channels: 3 };
    const before = tf.memory().numTensors;
    const single = createMobileNetEmbedder({ inputSize: 128, center: false, engine: 'fused', precision: 'float32' });
    await single.embed([input]);
    const oneModel = tf.memory().numTensors - before;
    await single.close();
    expect(tf.memory().numTensors).toBe(before);

    const embedder = createMobileNetEmbedder({ inputSize: 128, center: false, engine: 'fused', precision: 'float32' });
    const results = await Promise.all([embedder.embed([input]), embedder.embed([input]), embedder.embed([input])]);
    expect(tf.memory().numTensors - before).toBe(oneModel);
    results.forEach(([v]) => expectClose(v!, results[0]![0]!, 0));
    await embedder.close();
    await embedder.close();
    expect(tf.memory().numTensors).toBe(before);
    await expect(embedder.embed([input])).rejects.toThrow(/closed/);
  });

  it('keeps no TF.js tensors with the ONNX Runtime engine, and refuses work once closed', async () => {
    await ensureWasmBackend();
    const input: RgbImage = { data: new Uint8Array(128 * 128 * 3).fill(90), width: 128, height: 128, channels: 3 };
    const before = tf.memory().numTensors;
    const embedder = createMobileNetEmbedder({ inputSize: 128, center: false, engine: 'onnx', precision: 'float32' });
    const results = await Promise.all([embedder.embed([input]), embedder.embed([input])]);
    expectClose(results[1]![0]!, results[0]![0]!, 0);
    expect(tf.memory().numTensors).toBe(before);
    await embedder.close();
    await expect(embedder.embed([input])).rejects.toThrow(/closed/);
  });

  it('loads the bundled weights from node_modules by path', () => {
    const files = loadNsfwjsMobileNetV2();
    expect(files.modelTopology.model_config.config.layers.length).toBeGreaterThan(150);
    expect(files.weightData.byteLength).toBeGreaterThan(2_000_000);
  });
});
