import type { FeatureNet } from './mobilenet-model.ts';

/**
 * An ONNX model with input `pixels` (n × size × size × 3, NHWC) and output `features`, as
 * onnx-export.ts writes them, run by ONNX Runtime with one thread: the media pool already runs
 * one worker per core. Loads no TF.js.
 */
export async function onnxFeatureNet(model: Uint8Array, size: number): Promise<FeatureNet> {
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
