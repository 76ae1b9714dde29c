import * as tf from '@tensorflow/tfjs';
import { compileFusedConvNet } from './fused-conv-net.ts';
import { featureExtractorTopology } from './mobilenet-topology.ts';
import { loadNsfwjsMobileNetV2 } from './nsfwjs-weights.ts';
import { exportOnnx, type Int8Quantisation, type OnnxExportOptions } from './onnx-export.ts';
import { onnxFeatureNet } from './onnx-feature-net.ts';
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
  /** Quantise the exported network (`onnx` engine only); null runs it in float. */
  int8: Int8Quantisation | null;
}

export async function loadMobileNetFeatures(options: FeatureNetOptions): Promise<FeatureNet> {
  const { inputSize, engine } = options;
  if (engine === 'onnx') return onnxFeatureNet(await exportMobileNetOnnx(options), inputSize);
  if (options.int8) throw new Error(`the ${engine} engine runs the network in float only: use precision float32`);
  const { topology, weights } = await featureLayers(options);
  try {
    if (engine === 'layers') return await layers(topology, weights, inputSize);
    const net = compileFusedConvNet(topology, weights);
    return tfjs((input) => net.predict(input), () => net.dispose(), inputSize);
  } finally {
    tf.dispose(Object.values(weights));
  }
}

/** The folded network (see fused-conv-net.ts) as an ONNX model: what the `onnx` engine runs. */
export async function exportMobileNetOnnx(
  options: Omit<FeatureNetOptions, 'engine'>,
  extra: Pick<OnnxExportOptions, 'exposeActivations'> = {},
): Promise<Uint8Array> {
  const { topology, weights } = await featureLayers(options);
  try {
    const net = compileFusedConvNet(topology, weights);
    try {
      return exportOnnx(net, options.inputSize, { ...extra, ...(options.int8 && { int8: options.int8 }) });
    } finally {
      net.dispose();
    }
  } finally {
    tf.dispose(Object.values(weights));
  }
}

/** The backbone cut at the feature layer, and its weights decoded on the wasm backend. */
async function featureLayers({ inputSize, featureLayer }: Omit<FeatureNetOptions, 'engine'>) {
  await ensureWasmBackend();
  const files = loadNsfwjsMobileNetV2();
  const topology = featureExtractorTopology(files.modelTopology, inputSize, featureLayer);
  const keptLayers = new Set(topology.model_config.config.layers.map((layer) => layer.name));
  const weights: tf.NamedTensorMap = {};
  for (const [name, tensor] of Object.entries(tf.io.decodeWeights(files.weightData, files.weightSpecs))) {
    if (keptLayers.has(name.split('/')[0] ?? '')) weights[name] = tensor;
    else tensor.dispose();
  }
  return { topology, weights };
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
