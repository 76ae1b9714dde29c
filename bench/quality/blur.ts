/**
 * How the blur score does on pictures labelled by eye (bench/quality/blur-scoring.ts: the quality
 * sample and the broad set's Lomiri photos, split by source package into A and B). Printed:
 *   1. the shipped sharpness and the old rule (Laplacian variance under 100), the sharpness
 *      threshold fitted on one split (5th percentile of its sharp originals) and scored on the
 *      other, both ways;
 *   2. the shipped threshold (blurrySharpness, blur score 0.5) on each split and on all;
 *   3. per source, at the shipped threshold: sharp and smooth pictures flagged, soft ones caught,
 *      copies of the sharp ones blurred at σ 0.4 % caught.
 *
 *   node --import tsx bench/quality/blur.ts
 */
import { blurrySharpness, laplacianStats } from '../../src/media/image-metrics.ts';
import { machineLine, table } from '../lib.ts';
import { direction, labelledSample, score, scoreHeader, scoreRow, type Fold, type Scores } from './blur-scoring.ts';

console.log(machineLine());
const images = await labelledSample();
const stats = images.map((im) => im.versions.map(laplacianStats));
const sharpness = stats.map((s) => s.map((x) => x.sharpness ?? Infinity));
const variance = stats.map((s) => s.map((x) => x.variance));

const rows = [scoreHeader];
for (const fit of ['A', 'B'] as Fold[]) rows.push(scoreRow('sharpness', direction(fit), score(images, sharpness, fit)));
for (const fit of ['A', 'B'] as Fold[]) rows.push(scoreRow('laplacian variance < 100', direction(fit), score(images, variance, fit, 100)));
console.log(table(rows));

// At the shipped threshold, on each split and on all.
const onB = score(images, sharpness, 'A', blurrySharpness);
const onA = score(images, sharpness, 'B', blurrySharpness);
const add = (x: [number, number], y: [number, number]): [number, number] => [x[0] + y[0], x[1] + y[1]];
const all: Scores = {
  threshold: blurrySharpness,
  sharpFlagged: add(onA.sharpFlagged, onB.sharpFlagged),
  smoothFlagged: add(onA.smoothFlagged, onB.smoothFlagged),
  softCaught: add(onA.softCaught, onB.softCaught),
  copiesCaught: onA.copiesCaught.map((c, i) => add(c, onB.copiesCaught[i]!)),
  copiesAuc: [NaN, NaN, NaN],
  softAuc: NaN,
};
console.log(table([scoreHeader, scoreRow('shipped threshold', 'on A', onA), scoreRow('shipped threshold', 'on B', onB), scoreRow('shipped threshold', 'on all', all)]));

const bySource = [['source', 'fold', 'sharp flagged', 'smooth flagged', 'soft caught', 'σ 0.4 % copies caught', 'no structure']];
for (const source of [...new Set(images.map((im) => im.source))]) {
  const of = images.flatMap((im, i) => (im.source === source ? [{ im, v: sharpness[i]! }] : []));
  const count = (label: string, version = 0) => {
    const l = of.filter((x) => x.im.label === label);
    return `${l.filter((x) => x.v[version]! < blurrySharpness).length}/${l.length}`;
  };
  bySource.push([source, of[0]!.im.fold, count('sharp'), count('smooth'), count('soft'), count('sharp', 3), String(of.filter((x) => x.v[0] === Infinity).length)]);
}
console.log(table(bySource));
