import type { KerasLayer, KerasModelTopology } from './nsfwjs-weights.ts';

/** Last layer of the MobileNetV2 backbone: 1280 ReLU6 feature maps (7×7 at 224 px). */
export const backboneOutput = 'out_relu';
const poolLayer = 'embedding_pool';

/**
 * Rewrites the nsfwjs classifier into a feature extractor: everything after `featureLayer`
 * (by default the end of the backbone; then the 7×7 average pool, flatten and the 5-class
 * dense head) is dropped, one global average pool is added on top, and the input takes
 * `inputSize` pixels. For `out_relu` at 224 px this is exactly the model's own `flatten_1`
 * output; a global pool (rather than the fixed 7×7 one) keeps it valid at smaller sizes, where
 * the last feature map is 5×5 (160 px) or 4×4 (128 px).
 */
export function featureExtractorTopology(
  source: KerasModelTopology,
  inputSize: number,
  featureLayer: string = backboneOutput,
): KerasModelTopology {
  if (!Number.isInteger(inputSize) || inputSize < 32 || inputSize % 32 !== 0) {
    throw new Error(`MobileNetV2 input size must be a multiple of 32, got ${inputSize}`);
  }
  const layers = source.model_config.config.layers;
  const end = layers.findIndex((layer) => layer.name === featureLayer);
  if (end < 0) throw new Error(`layer ${featureLayer} not found: not the expected MobileNetV2`);
  // Keras saves layers in topological order, so every layer the backbone needs comes before it.
  const kept: KerasLayer[] = layers.slice(0, end + 1).map((layer) =>
    layer.class_name === 'InputLayer'
      ? { ...layer, config: { ...layer.config, batch_input_shape: [null, inputSize, inputSize, 3] } }
      : layer,
  );
  kept.push({
    name: poolLayer,
    class_name: 'GlobalAveragePooling2D',
    config: { name: poolLayer, trainable: false, data_format: 'channels_last' },
    inbound_nodes: [[[featureLayer, 0, 0, {}]]],
  });
  return {
    ...source,
    model_config: {
      ...source.model_config,
      config: {
        ...source.model_config.config,
        layers: kept,
        output_layers: [[poolLayer, 0, 0]],
      },
    },
    // Training settings would make TF.js build an optimizer for a model only ever used to infer.
    training_config: undefined,
  };
}
