import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbedderModel } from '../ports/embedder.ts';
import type { MobileNetEngine } from './mobilenet-model.ts';
import type { Int8Quantisation } from './onnx-export.ts';
import { nsfwjsModelsDir } from './nsfwjs-weights.ts';

// What the MobileNetV2 embedder computes, without loading TF.js: a process that only records
// or compares vectors (an API process) can name the model without paying for the runtime.

/**
 * How pixel values enter the network. `unit` (x / 255) is what nsfwjs trained and runs its
 * fine-tuned blocks with; `signed` (x / 127.5 − 1) is Keras' ImageNet MobileNetV2 convention.
 */
export type PixelScale = 'unit' | 'signed';

/**
 * Backbone layers whose globally pooled output can serve as the embedding, with its size.
 * `out_relu` is the classifier's own pooled input (`flatten_1`); the others are mid-level
 * features, far less disturbed by re-encoding and resizing (bench/embed.ts): nsfwjs fine-tuned
 * the top blocks for its 5 classes, which left the last layer noisy on everything else.
 */
export const mobileNetFeatureLayers = {
  out_relu: 1280,
  block_16_project_BN: 320,
  block_13_expand_relu: 576,
  block_10_expand_relu: 384,
} as const;

export type MobileNetFeatureLayer = keyof typeof mobileNetFeatureLayers;

export interface MobileNetEmbedderOptions {
  /** Square input side in pixels, a multiple of 32 (224, 192, 160, 128…). */
  inputSize?: number;
  pixelScale?: PixelScale;
  featureLayer?: MobileNetFeatureLayer;
  /** Images per forward pass; larger calls are split. Bounds the activation memory. */
  maxBatch?: number;
  /** For benchmarks and tests: `layers` runs the unfused tfjs-layers reference. */
  engine?: MobileNetEngine;
  /**
   * `int8`: the network quantised to 8 bits (onnx-export.ts) over activation ranges measured on
   * photos (mobilenet-int8-ranges.json, bench/neardup/int8-ranges.ts); ONNX Runtime only. Half
   * the CPU time of `float32`, for vectors within a cosine of ~0.995 of the float ones.
   */
  precision?: 'int8' | 'float32';
  /**
   * Subtract the mean unit feature vector of natural photos, then normalise again (see
   * mobilenet-feature-mean.json). ReLU features all share a large positive component, so raw
   * cosines of any two photos sit around 0.9; centred, unrelated photos score near 0 and the
   * cosine spreads over the whole range that clusters, uniqueness and search rely on.
   */
  center?: boolean;
}

export const mobileNetDefaults = {
  inputSize: 160,
  pixelScale: 'signed',
  featureLayer: 'block_13_expand_relu',
  maxBatch: 16,
  // ONNX Runtime runs the folded network in 3.2 ms of CPU per image where TF.js wasm takes
  // 17.6 ms (160 px, one thread), with the same vectors (cosine 1.0000000); quantised, 1.6 ms.
  engine: 'onnx',
  precision: 'int8',
  center: true,
} as const satisfies Required<MobileNetEmbedderOptions>;

/** The identity and input of the embedder these options make. */
export function mobileNetModel(options: Required<MobileNetEmbedderOptions>): EmbedderModel {
  const dimension = mobileNetFeatureLayers[options.featureLayer];
  if (dimension === undefined) throw new Error(`unknown MobileNetV2 feature layer ${options.featureLayer}`);
  const float = floatVersionOf(options);
  const raw = options.precision === 'int8' ? `${float}/int8-${int8QuantisationOf(float).id}` : float;
  return {
    name: 'nsfwjs-mobilenet-v2',
    version: options.center ? `${raw}/l2-centred-${featureMeanOf(raw).id}` : raw,
    dimension,
    inputSize: options.inputSize,
    fit: 'fill',
  };
}


/** The version of the float network these options compute: what the int8 ranges were measured on. */
export function floatVersionOf(options: Required<MobileNetEmbedderOptions>): string {
  return `${nsfwjsVersion()}/${options.featureLayer}/avg/${options.inputSize}px/${options.pixelScale}`;
}

let cachedVersion: string | null = null;

/** Part of the model version: other weights would give other vectors. */
function nsfwjsVersion(): string {
  if (cachedVersion === null) {
    const manifest = join(nsfwjsModelsDir(), '..', '..', 'package.json');
    cachedVersion = `nsfwjs@${(JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version}`;
  }
  return cachedVersion;
}

export interface FeatureMean {
  /** Short hash of the values: part of the model version, so a new mean is a new model. */
  id: string;
  mean: Float32Array;
}

const meanOf = storedFit(
  new URL('./mobilenet-feature-mean.json', import.meta.url),
  'means',
  (version, path) => `no feature mean for ${version} in ${path}: embed with center: false, or add one`,
  (entry: { values: number[] }) => {
    const mean = Float32Array.from(entry.values);
    return { value: mean, hashed: Buffer.from(mean.buffer) };
  },
);

/** The stored feature mean of an uncentred configuration (bench/neardup/feature-mean.ts writes it). */
export function featureMeanOf(rawVersion: string): FeatureMean {
  const { id, value } = meanOf(rawVersion);
  return { id, mean: value };
}

const int8Of = storedFit(
  new URL('./mobilenet-int8-ranges.json', import.meta.url),
  'quantisations',
  (version, path) => `no int8 ranges for ${version} in ${path}: use precision float32, or measure them`,
  (entry: Int8Quantisation) => {
    const quantisation = { ranges: entry.ranges, floatConvs: entry.floatConvs };
    return { value: quantisation, hashed: JSON.stringify(quantisation) };
  },
);

/** The stored int8 quantisation of a float configuration (bench/neardup/int8-ranges.ts writes it). */
export function int8QuantisationOf(floatVersion: string): { id: string; quantisation: Int8Quantisation } {
  const { id, value } = int8Of(floatVersion);
  return { id, quantisation: value };
}

/**
 * Values fitted on photos by a bench/neardup script and kept in a JSON file next to this one,
 * one entry per model version under `section`, read once. Each gets a short hash of its
 * content (`hashed`), which goes into the model version: new fitted values make a new model.
 */
function storedFit<E, T>(
  file: URL,
  section: string,
  missing: (version: string, path: string) => string,
  read: (entry: E) => { value: T; hashed: string | Uint8Array },
): (version: string) => { id: string; value: T } {
  const cache = new Map<string, { id: string; value: T }>();
  return (version) => {
    let fit = cache.get(version);
    if (fit === undefined) {
      const entries = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, E>>)[section] ?? {};
      const entry = entries[version];
      if (entry === undefined) throw new Error(missing(version, file.pathname));
      const { value, hashed } = read(entry);
      fit = { id: createHash('sha256').update(hashed).digest('hex').slice(0, 8), value };
      cache.set(version, fit);
    }
    return fit;
  };
}
