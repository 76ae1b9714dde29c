/**
 * Which real pictures the low_information and grayscale issues flag (score ≥ 0.5), per source,
 * with the figure behind each: gray-level entropy (bits) and the 99th percentile of chroma.
 *
 *   node --import tsx bench/quality/information.ts
 */
import { analyzeImageFile } from '../../src/media/analyze-image.ts';
import { machineLine, table } from '../lib.ts';
import { qualitySample } from './sample.ts';

const sample = await qualitySample();
console.log(machineLine());
const rows = [['source', 'pictures', 'low information', 'grayscale', 'flagged: name (entropy bits, chroma)']];
for (const source of [...new Set(sample.map((s) => s.source))]) {
  const of = [];
  for (const s of sample.filter((x) => x.source === source)) {
    of.push({ name: s.name.slice(source.length + 1), q: (await analyzeImageFile(s.file, { maxPixels: 200_000_000, thumbnailSize: 256 })).quality });
  }
  const low = of.filter((x) => x.q.lowInformation! >= 0.5);
  const gray = of.filter((x) => x.q.grayscale! >= 0.5);
  const names = [...new Set([...low, ...gray])].map((x) => `${x.name} (${x.q.entropy!.toFixed(1)}, ${x.q.chroma})`);
  rows.push([source, String(of.length), String(low.length), String(gray.length), names.join('; ')]);
}
console.log(table(rows));
