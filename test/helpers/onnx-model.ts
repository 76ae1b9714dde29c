import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { compileFusedConvNet } from '../../src/ml/fused-conv-net.ts';
import { featureExtractorTopology } from '../../src/ml/mobilenet-topology.ts';
import { loadNsfwjsMobileNetV2 } from '../../src/ml/nsfwjs-weights.ts';
import { exportOnnx } from '../../src/ml/onnx-export.ts';
import { ensureWasmBackend } from '../../src/ml/tfjs-wasm.ts';

/**
 * A real image encoder as an ONNX file, standing in for an operator's model: the bundled
 * MobileNetV2's block-13 features at 160 px, exported by src/ml/onnx-export.ts. Input NHWC
 * scaled x / 127.5 − 1 (mean 0.5, std 0.5), output 576 pooled features.
 */
export async function writeMobileNetOnnx(dir: string): Promise<{ path: string; env: Record<string, string> }> {
  await ensureWasmBackend();
  const files = loadNsfwjsMobileNetV2();
  const weights = tf.io.decodeWeights(files.weightData, files.weightSpecs);
  const net = compileFusedConvNet(featureExtractorTopology(files.modelTopology, 160, 'block_13_expand_relu'), weights);
  const path = join(dir, 'encoder.onnx');
  await writeFile(path, exportOnnx(net, 160));
  net.dispose();
  tf.dispose(Object.values(weights));
  return {
    path,
    env: {
      STRATA_EMBEDDER_ONNX: path,
      STRATA_EMBEDDER_INPUT_SIZE: '160',
      STRATA_EMBEDDER_MEAN: '0.5,0.5,0.5',
      STRATA_EMBEDDER_STD: '0.5,0.5,0.5',
      STRATA_EMBEDDER_LAYOUT: 'nhwc',
      STRATA_EMBEDDER_DIMENSION: '576',
    },
  };
}
