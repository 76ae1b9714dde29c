/**
 * Writes src/ml/mobilenet-int8-ranges.json: for the default MobileNetV2 configuration, the
 * range (min, max) of every activation the int8 network quantises (see `precision` in
 * mobilenet-info.ts and Int8Quantisation in onnx-export.ts), measured by the float network on
 * the originals of the labelled set through the pipeline's own decoding and resizing.
 *
 *   node --import tsx bench/neardup/int8-ranges.ts
 *
 * Re-run only when the model configuration changes: new ranges are a new model version (then
 * run feature-mean.ts and calibrate.ts again), and every dataset re-embeds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { embeddingInputsOfFile } from '../../src/media/analyze-image.ts';
import { toInput } from '../../src/ml/mobilenet-embedder.ts';
import { floatVersionOf, mobileNetDefaults } from '../../src/ml/mobilenet-info.ts';
import { exportMobileNetOnnx } from '../../src/ml/mobilenet-model.ts';
import { labelledSet } from './labelled-set.ts';

/**
 * The first convolutions stay float: quantising the stem and the first block costs most of
 * the error (centred cosine to the float vectors, 160 held-out images: all int8 min 0.939 / p5
 * 0.986; these three float min 0.995 / p5 0.996) for ~5 % of the time.
 */
const FLOAT_CONVS = 3;

const out = fileURLToPath(new URL('../../src/ml/mobilenet-int8-ranges.json', import.meta.url));
const options = { ...mobileNetDefaults, precision: 'float32' } as const;
const set = await labelledSet();
const originals = set.files.filter((f) => f.edit === 'original');
const model = await exportMobileNetOnnx({ inputSize: options.inputSize, featureLayer: options.featureLayer, int8: null }, { exposeActivations: true });
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
const ranges: Record<string, [number, number]> = {};
for (const f of originals) {
  const { embedInput } = await embeddingInputsOfFile(join(set.dir, f.file), { maxPixels: 100_000_000, thumbnailSize: 256, embedInputSize: options.inputSize });
  const image = { data: embedInput, width: options.inputSize, height: options.inputSize, channels: 3 as const };
  const pixels = new ort.Tensor('float32', toInput([image], options.inputSize, options.pixelScale), [1, options.inputSize, options.inputSize, 3]);
  const outputs = await session.run({ pixels });
  for (const name of session.outputNames) {
    if (name === 'features') continue;
    const [min, max] = ranges[name] ?? [Infinity, -Infinity];
    let lo = min;
    let hi = max;
    for (const v of outputs[name]!.data as Float32Array) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    ranges[name] = [lo, hi];
  }
}
await session.release();
const rounded = Object.fromEntries(Object.entries(ranges).map(([k, [lo, hi]]) => [k, [Math.floor(lo * 1e4) / 1e4, Math.ceil(hi * 1e4) / 1e4]]));
const floatVersion = floatVersionOf(options);
// Other configurations' entries stay.
const file = JSON.parse(await readFile(out, 'utf8')) as { quantisations: Record<string, unknown> };
file.quantisations[floatVersion] = { source: `min/max over ${originals.length} photos (bench/neardup originals)`, floatConvs: FLOAT_CONVS, ranges: rounded };
// One line per range.
await writeFile(out, `${JSON.stringify(file, null, 1).replace(/\[\s+([^\]]+?)\s+\]/g, (_, inner: string) => `[${inner.replace(/\s+/g, '')}]`)}\n`);
console.log(`${floatVersion}: ${Object.keys(ranges).length} activation ranges over ${originals.length} photos written to ${out}`);
