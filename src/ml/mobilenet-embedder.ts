import type { Embedder, EmbedderModel, RgbImage } from '../ports/embedder.ts';
import type { FeatureNet, FeatureNetOptions } from './mobilenet-model.ts';
import { cachedOnnxFeatureNet } from './mobilenet-onnx-cache.ts';
import {
  featureMeanOf,
  floatVersionOf,
  int8QuantisationOf,
  mobileNetDefaults,
  mobileNetModel,
  type MobileNetEmbedderOptions,
  type PixelScale,
} from './mobilenet-info.ts';
import { l2Normalize } from './vectors.ts';

/**
 * Image embeddings from the MobileNetV2 bundled with nsfwjs: one backbone layer's globally
 * averaged feature maps, L2-normalised (no network: 3.5 MB of weights already in node_modules,
 * decoded by TF.js). By default the 576 channels of block 13's expansion, from a 160 px input
 * with ImageNet scaling — of the layers and sizes measured (bench/embed.ts) the most robust to
 * everyday edits, and half the cost of 224 px — run by ONNX Runtime quantised to 8 bits (see
 * `precision`); `featureLayer: 'out_relu', pixelScale: 'unit', inputSize: 224, precision:
 * 'float32'` gives the 1280-d features nsfwjs' own classifier reads.
 *
 * Built for worker threads: creating one is free, the backend and model load on the first
 * embed() (and only once, however many calls race), and everything runs on the calling thread,
 * single-threaded — run one per worker for parallelism.
 */
export function createMobileNetEmbedder(options: MobileNetEmbedderOptions = {}, runtime: MobileNetRuntime = {}): Embedder {
  return new MobileNetEmbedder({ ...mobileNetDefaults, ...options }, runtime);
}

export interface MobileNetRuntime {
  /** Where the `onnx` engine keeps its exported model between starts (mobilenet-onnx-cache.ts); without it, every start exports anew. */
  onnxCacheDir?: string;
}

class MobileNetEmbedder implements Embedder {
  readonly model: EmbedderModel;
  #loading: Promise<FeatureNet> | null = null;
  #closed = false;
  readonly #mean: Float32Array | null;
  readonly #net: Omit<FeatureNetOptions, 'engine'>;

  constructor(
    private readonly options: Required<MobileNetEmbedderOptions>,
    private readonly runtime: MobileNetRuntime,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new Error(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    this.model = mobileNetModel(options);
    this.#mean = options.center ? featureMeanOf(mobileNetModel({ ...options, center: false }).version).mean : null;
    const int8 = options.precision === 'int8' ? int8QuantisationOf(floatVersionOf(options)).quantisation : null;
    this.#net = { inputSize: options.inputSize, featureLayer: options.featureLayer, int8 };
  }

  async embed(images: readonly RgbImage[]): Promise<Float32Array[]> {
    if (this.#closed) throw new Error('embedder is closed');
    images.forEach((image, i) => this.#checkInput(image, i));
    if (images.length === 0) return [];
    const net = await this.#load();
    if (this.#closed) throw new Error('embedder is closed');
    const vectors: Float32Array[] = [];
    for (let start = 0; start < images.length; start += this.options.maxBatch) {
      const chunk = images.slice(start, start + this.options.maxBatch);
      vectors.push(...(await this.#forward(net, chunk)));
    }
    return vectors;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const loading = this.#loading;
    this.#loading = null;
    const net = await loading?.catch(() => null);
    await net?.dispose();
  }

  #load(): Promise<FeatureNet> {
    const { onnxCacheDir } = this.runtime;
    this.#loading ??= (
      onnxCacheDir !== undefined && this.options.engine === 'onnx'
        ? cachedOnnxFeatureNet(this.#net, this.model.version, onnxCacheDir)
        : import('./mobilenet-model.ts').then(({ loadMobileNetFeatures }) => loadMobileNetFeatures({ ...this.#net, engine: this.options.engine }))
    ).catch((error: unknown) => {
      this.#loading = null;
      throw error;
    });
    return this.#loading;
  }

  async #forward(net: FeatureNet, images: readonly RgbImage[]): Promise<Float32Array[]> {
    const flat = await net.run(toInput(images, this.options.inputSize, this.options.pixelScale), images.length);
    const dim = this.model.dimension;
    if (flat.length !== images.length * dim) {
      throw new Error(`model returned ${flat.length} values for ${images.length} images of ${dim}`);
    }
    const mean = this.#mean;
    return images.map((_, i) => {
      const v = l2Normalize(flat.slice(i * dim, (i + 1) * dim));
      if (mean === null) return v;
      // The mean is one of unit vectors: subtract it on the sphere, then project back.
      for (let j = 0; j < dim; j++) v[j]! -= mean[j]!;
      return l2Normalize(v);
    });
  }

  #checkInput(image: RgbImage, index: number): void {
    const size = this.options.inputSize;
    if (image.width !== size || image.height !== size || image.channels !== 3) {
      throw new Error(
        `image ${index} is ${image.width}×${image.height}×${image.channels}, expected ${size}×${size}×3`,
      );
    }
    if (image.data.length !== size * size * 3) {
      throw new Error(`image ${index} has ${image.data.length} bytes, expected ${size * size * 3}`);
    }
  }
}

/** The pixels, scaled, as n × size × size × 3 floats (NHWC), in one JS pass. */
export function toInput(images: readonly RgbImage[], size: number, scale: PixelScale): Float32Array {
  const per = size * size * 3;
  const input = new Float32Array(images.length * per);
  const [mul, add] = scale === 'unit' ? [1 / 255, 0] : [1 / 127.5, -1];
  images.forEach((image, i) => {
    const offset = i * per;
    const data = image.data;
    for (let j = 0; j < per; j++) input[offset + j] = data[j]! * mul + add;
  });
  return input;
}
