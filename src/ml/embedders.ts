import type { EmbedderConfig } from '../config/config.ts';
import { copyDescriptorVersion } from '../domain/similarity/copy-descriptor.ts';
import type { Embedder, EmbedderModel } from '../ports/embedder.ts';
import { mobileNetDefaults, mobileNetModel } from './mobilenet-info.ts';
import { onnxModel } from './onnx-embedder.ts';

/**
 * How vectors are labelled in the store: the embedder's name and version, and the version of
 * the copy descriptor stored with each vector (levels combine both).
 */
export const modelIdOf = (model: EmbedderModel): string => `${model.name}@${model.version}+${copyDescriptorVersion}`;

/**
 * The identity of the embedder the configuration names, known without loading any runtime (an
 * API process labels and compares vectors, it never embeds a dataset).
 */
export function embedderModelOf(config: EmbedderConfig): EmbedderModel {
  return config.kind === 'onnx' ? onnxModel(config) : mobileNetModel(mobileNetDefaults);
}

/** The embedder itself: its runtime (TF.js or ONNX Runtime) loads only here, in the media workers. */
export async function createEmbedder(config: EmbedderConfig): Promise<Embedder> {
  if (config.kind === 'onnx') {
    const { createOnnxEmbedder } = await import('./onnx-embedder.ts');
    return createOnnxEmbedder(config);
  }
  const { createMobileNetEmbedder } = await import('./mobilenet-embedder.ts');
  return createMobileNetEmbedder({}, { onnxCacheDir: config.cacheDir });
}
