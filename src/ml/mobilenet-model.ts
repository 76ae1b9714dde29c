import * as tf from '@tensorflow/tfjs';
import { compileFusedConvNet } from './fused-conv-net.ts';
import { featureExtractorTopology } from './mobilenet-topology.ts';
import { loadNsfwjsMobileNetV2 } from './nsfwjs-weights.ts';
import { exportOnnx } from './onnx-export.ts';
import { ensureWasmBackend } from './tfjs-wasm.ts';

/**
 * How the network runs: `onnx` (the folded network exported to ONNX and run by ONNX Runtime;
 * the fastest), `fused` (batch norms folded into the convolutions, see fused-conv-net.ts, on
 * TF.js wasm) or `layers` (plain tfjs-layers, the reference both are tested against).
 */
export type MobileNetEngine = 'onnx' | 'fused' | 'layers';

export interface FeatureNet {
  /** n × size × size × 3 scaled pixels (NHWC) → n × channels pooled features. */
  run(input: Float32Array, n: number): Promise<Float32Array>;
  dispose(): Promise<void>;
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
    if (engine === 'layers') return await layers(topology, kept, inputSize);
    const net = compileFusedConvNet(topology, kept);
    if (engine === 'fused') return tfjs((input) => net.predict(input), () => net.dispose(), inputSize);
    try {
      return await onnx(exportOnnx(net, inputSize), inputSize);
    } finally {
      net.dispose();
    }
  } finally {
    tf.dispose(Object.values(kept));
  }
}

function tfjs(predict: (input: tf.Tensor4D) => tf.Tensor, dispose: () => void, size: number): FeatureNet {
  return {
    async run(input, n) {
      const output = tf.tidy(() => predict(tf.tensor4d(input, [n, size, size, 3], 'float32')));
      try {
        return (await output.data()) as Float32Array;
      } finally {
        output.dispose();
      }
    },
    dispose: async () => dispose(),
  };
}

async function layers(topology: object, weights: tf.NamedTensorMap, size: number): Promise<FeatureNet> {
  const net = await tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] });
  // Strict: a backbone weight missing from the files must fail, not stay randomly initialised.
  net.loadWeights(weights, true);
  return tfjs((input) => net.predict(input) as tf.Tensor, () => net.dispose(), size);
}

/** The same folded weights in ONNX Runtime: one thread, since the pool runs one worker per core. */
async function onnx(model: Uint8Array, size: number): Promise<FeatureNet> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  return {
    async run(input, n) {
      const out = await session.run({ pixels: new ort.Tensor('float32', input, [n, size, size, 3]) });
      return out.features!.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}
