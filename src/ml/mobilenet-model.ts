import * as tf from '@tensorflow/tfjs';
import { compileFusedConvNet, type FusedConvNet } from './fused-conv-net.ts';
import { featureExtractorTopology } from './mobilenet-topology.ts';
import { loadNsfwjsMobileNetV2 } from './nsfwjs-weights.ts';
import { ensureWasmBackend } from './tfjs-wasm.ts';

/**
 * How the network runs: `fused` (batch norms folded into the convolutions, see
 * fused-conv-net.ts; the fast path) or `layers` (plain tfjs-layers, the reference the fused
 * path is tested against).
 */
export type MobileNetEngine = 'fused' | 'layers';

export interface FeatureNet {
  /** [n, size, size, 3] scaled pixels → [n, channels] pooled features. */
  predict(input: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

export interface FeatureNetOptions {
  inputSize: number;
  /** Backbone layer whose feature maps are globally averaged. */
  featureLayer: string;
  engine: MobileNetEngine;
}

export async function loadMobileNetFeatures(options: FeatureNetOptions): Promise<FeatureNet> {
  const { inputSize, featureLayer, engine } = options;
  await ensureWasmBackend();
  const files = loadNsfwjsMobileNetV2();
  const topology = featureExtractorTopology(files.modelTopology, inputSize, featureLayer);
  const keptLayers = new Set(topology.model_config.config.layers.map((layer) => layer.name));
  const weights = tf.io.decodeWeights(files.weightData, files.weightSpecs);
  const kept: tf.NamedTensorMap = {};
  for (const [name, tensor] of Object.entries(weights)) {
    if (keptLayers.has(name.split('/')[0] ?? '')) kept[name] = tensor;
    else tensor.dispose();
  }
  try {
    return engine === 'fused' ? fused(compileFusedConvNet(topology, kept)) : await layers(topology, kept);
  } finally {
    tf.dispose(Object.values(kept));
  }
}

function fused(net: FusedConvNet): FeatureNet {
  return { predict: (input) => net.predict(input) as tf.Tensor2D, dispose: () => net.dispose() };
}

async function layers(topology: object, weights: tf.NamedTensorMap): Promise<FeatureNet> {
  const net = await tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] });
  // Strict: a backbone weight missing from the files must fail, not stay randomly initialised.
  net.loadWeights(weights, true);
  return {
    predict: (input) => tf.tidy(() => net.predict(input) as tf.Tensor2D),
    dispose: () => net.dispose(),
  };
}
