/**
 * Which real pictures the dark and bright issues flag (score ≥ 0.5), per source, with names:
 * night scenes, dark-mode wallpapers, snow and white-background pictures are where the rule
 * meets intent (README: "dark" and "bright" describe the picture as it is, not a mistake).
 *
 *   node --import tsx bench/quality/exposure.ts
 */
import { qualityMetrics } from '../../src/media/image-metrics.ts';
import { machineLine, table } from '../lib.ts';
import { qualitySample } from './sample.ts';

const sample = await qualitySample();
console.log(machineLine());
const rows = [['source', 'pictures', 'dark', 'bright', 'flagged (mean gray level, near-black / near-white share)']];
for (const source of [...new Set(sample.map((s) => s.source))]) {
  const of = sample.filter((s) => s.source === source).map((s) => ({ name: s.name, q: qualityMetrics(s.versions[0]!, 0) }));
  const dark = of.filter((x) => x.q.dark >= 0.5);
  const bright = of.filter((x) => x.q.bright >= 0.5);
  const names = [...dark, ...bright].map((x) => `${x.name.slice(source.length + 1)} (${x.q.brightnessMean.toFixed(0)}, ${x.q.darkFraction.toFixed(2)}/${x.q.brightFraction.toFixed(2)})`);
  rows.push([source, String(of.length), String(dark.length), String(bright.length), names.join('; ')]);
}
console.log(table(rows));
