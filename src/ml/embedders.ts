import type { EmbedderConfig } from '../config/config.ts';
import type { Embedder, EmbedderModel } from '../ports/embedder.ts';
import { mobileNetDefaults, mobileNetModel } from './mobilenet-info.ts';
import { onnxModel } from './onnx-embedder.ts';

/**
 * The embedder the configuration names. The model's identity is known without loading any
 * runtime (an API process labels and compares vectors, it never embeds a dataset); the runtime
 * (TF.js or ONNX Runtime) is loaded only where an embedder is created, in the media workers.
 */
/** How vectors are labelled in the store: name and version together. */
export const modelIdOf = (model: EmbedderModel): string => `${model.name}@${model.version}`;

export function embedderModelOf(config: EmbedderConfig): EmbedderModel {
  return config.kind === 'onnx' ? onnxModel(config) : mobileNetModel(mobileNetDefaults);
}

export async function createEmbedder(config: EmbedderConfig): Promise<Embedder> {
  if (config.kind === 'onnx') {
    const { createOnnxEmbedder } = await import('./onnx-embedder.ts');
    return createOnnxEmbedder(config);
  }
  const { createMobileNetEmbedder } = await import('./mobilenet-embedder.ts');
  return createMobileNetEmbedder();
}
