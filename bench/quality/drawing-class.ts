/**
 * Whether nsfwjs' own classifier tells screenshots, diagrams and clipart from photos and
 * wallpapers: its "drawing" probability (of drawing / hentai / neutral / porn / sexy), from the
 * whole bundled network run as nsfwjs runs it (224 px, pixels / 255, float, TF.js layers), on
 * each pool of bench/quality/outlier-sets.ts. Prints the 5/25/50/75/95th percentiles per pool
 * and the share above 0.5.
 *
 *   node --import tsx bench/quality/drawing-class.ts
 */
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { loadNsfwjsMobileNetV2 } from '../../src/ml/nsfwjs-weights.ts';
import { ensureWasmBackend } from '../../src/ml/tfjs-wasm.ts';
import { fmt, machineLine } from '../lib.ts';
import { pools } from './outlier-sets.ts';

await ensureWasmBackend();
const files = loadNsfwjsMobileNetV2();
const net = await tf.models.modelFromJSON({ modelTopology: files.modelTopology as tf.io.ModelJSON['modelTopology'] });
net.loadWeights(tf.io.decodeWeights(files.weightData, files.weightSpecs as tf.io.WeightsManifestEntry[]), true);
console.log(machineLine());
for (const [pool, list] of Object.entries(await pools())) {
  const drawing: number[] = [];
  for (const f of list) {
    const { data } = await sharp(f).flatten({ background: '#808080' }).resize(224, 224, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const probabilities = tf.tidy(() => net.predict(tf.tensor4d(Float32Array.from(data, (v) => v / 255), [1, 224, 224, 3])) as tf.Tensor);
    drawing.push((await probabilities.data())[0]!);
    probabilities.dispose();
  }
  drawing.sort((a, b) => a - b);
  const q = (x: number) => fmt(drawing[Math.round(x * (drawing.length - 1))]!, 2);
  console.log(`${pool.padEnd(12)} n ${String(drawing.length).padStart(3)}  drawing p5/25/50/75/95: ${[0.05, 0.25, 0.5, 0.75, 0.95].map(q).join(' / ')}  above 0.5: ${fmt(drawing.filter((v) => v > 0.5).length / drawing.length, 2)}`);
}
