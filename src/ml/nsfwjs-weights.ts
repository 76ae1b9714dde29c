import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The Keras MobileNetV2 that ships inside the `nsfwjs` npm package (pinned exactly, since the
 * vectors Strata stores depend on these very weights). nsfwjs bundles each model as CommonJS
 * files for browserify: `model.min.js` exports the TF.js model.json object and each
 * `group1-shardXofN.min.js` exports one weight shard as a base64 string. Loading them from
 * node_modules by path means no network and no model download at run time.
 *
 * The layers model: ImageNet MobileNetV2 (alpha 1.0, 224 px), blocks 0–10 frozen, blocks 11+
 * fine-tuned on nsfwjs' 5 classes; weights are uint8-quantised (3.5 MB).
 */
export interface LayersModelFiles {
  modelTopology: KerasModelTopology;
  weightSpecs: WeightSpec[];
  weightData: ArrayBuffer;
}

export interface KerasModelTopology {
  keras_version?: string;
  backend?: string;
  model_config: { class_name: string; config: KerasModelConfig };
  training_config?: unknown;
}

export interface KerasModelConfig {
  name?: string;
  layers: KerasLayer[];
  input_layers: Array<[string, number, number]>;
  output_layers: Array<[string, number, number]>;
}

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

/** The TF.js weights-manifest entry, kept structural so this file needs no TF.js import. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | 'string' | 'complex64';
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number };
}

interface ModelJson {
  modelTopology: KerasModelTopology;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
}

const nsfwjsModelDirs = { mobilenetV2: 'mobilenet_v2' } as const;

/** Folder holding nsfwjs' bundled models (its package `exports` hide the files themselves). */
export function nsfwjsModelsDir(): string {
  const require = createRequire(import.meta.url);
  // Resolves to <pkg>/dist/cjs/index.js; the models sit in <pkg>/dist/models.
  return join(dirname(require.resolve('nsfwjs')), '..', 'models');
}

export function loadNsfwjsMobileNetV2(): LayersModelFiles {
  const dir = join(nsfwjsModelsDir(), nsfwjsModelDirs.mobilenetV2);
  const json = requireUncached(join(dir, 'model.min.js')) as ModelJson;
  if (!json?.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${dir}/model.min.js is not a TF.js model.json bundle`);
  }
  const weightSpecs: WeightSpec[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) {
      const base64 = requireUncached(join(dir, `${path}.min.js`));
      if (typeof base64 !== 'string') throw new Error(`${dir}/${path}.min.js is not a weight shard`);
      buffers.push(Buffer.from(base64, 'base64'));
    }
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return { modelTopology: json.modelTopology, weightSpecs, weightData };
}

/** The shards are read once; keeping megabytes of base64 in the require cache would waste them. */
function requireUncached(path: string): unknown {
  const require = createRequire(import.meta.url);
  try {
    return require(path);
  } finally {
    delete require.cache[path];
  }
}
