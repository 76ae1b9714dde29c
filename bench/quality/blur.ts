/**
 * How the blur score does on pictures it was not fitted on. The sample (bench/quality/sample.ts)
 * is split by the Debian package the pictures come from:
 *   fit:      opencv, skimage, darknet (test-media photos), Plasma and Lomiri wallpapers
 *   held out: MATE, GNOME, UKUI and desktop-base backgrounds
 * The threshold is the 5th percentile of the fit originals' sharpness (so ~5 % of sharp fit
 * pictures are flagged by construction); what counts is how many held-out originals it flags
 * and how many blurred held-out copies it catches. The old Laplacian-variance rule (variance
 * under 100) is shown on the same split. Also prints the swapped split, as a second check.
 *
 *   node --import tsx bench/quality/blur.ts
 */
import { blurScore, laplacianStats } from '../../src/media/image-metrics.ts';
import { fmt, machineLine, table } from '../lib.ts';
import { blurShares, qualitySample } from './sample.ts';

const fitSources = new Set(['opencv', 'skimage', 'darknet', 'plasma', 'lomiri-wallpapers']);
const sample = await qualitySample();
console.log(machineLine());

interface Measured { source: string; fit: boolean; sharpness: (number | null)[]; variance: number[] }
const measured: Measured[] = sample.map((s) => {
  const stats = s.versions.map(laplacianStats);
  return { source: s.source, fit: fitSources.has(s.source), sharpness: stats.map((x) => x.sharpness), variance: stats.map((x) => x.variance) };
});

/** No structure reads as sharp: such an image is never blurry. */
const sharp = (x: number | null) => x ?? Infinity;
const quantile = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.round(q * (v.length - 1))]!;
/** Probability that a blurred copy scores below its set's originals (ties count half). */
function auc(blurred: number[], originals: number[]): number {
  let wins = 0;
  for (const b of blurred) for (const o of originals) wins += b < o ? 1 : b === o ? 0.5 : 0;
  return wins / blurred.length / originals.length;
}
const pct = (k: number, n: number) => `${fmt((100 * k) / n, 0)} % (${k}/${n})`;

const rows = [['measure', 'fitted on → scored on', 'threshold', 'sharp flagged', ...blurShares.map((s) => `σ ${fmt(s * 100, 1)} % caught`), 'AUC σ 0.1/0.2/0.4 %']];
for (const [name, figure] of [
  ['sharpness', (m: Measured, v: number) => sharp(m.sharpness[v]!)],
  ['laplacian variance', (m: Measured, v: number) => m.variance[v]!],
] as const) {
  for (const fitOnA of [true, false]) {
    const fit = measured.filter((m) => m.fit === fitOnA);
    const test = measured.filter((m) => m.fit !== fitOnA);
    const threshold = name === 'laplacian variance' ? 100 : quantile(fit.map((m) => figure(m, 0)).filter(Number.isFinite), 0.05);
    const originals = test.map((m) => figure(m, 0));
    rows.push([
      name,
      fitOnA ? 'fit → held out' : 'held out → fit',
      fmt(threshold, name === 'sharpness' ? 3 : 0),
      pct(originals.filter((x) => x < threshold).length, test.length),
      ...blurShares.map((_, i) => pct(test.filter((m) => figure(m, i + 1) < threshold).length, test.length)),
      blurShares.map((_, i) => fmt(auc(test.map((m) => figure(m, i + 1)), originals), 2)).join(' / '),
    ]);
  }
}
console.log(table(rows));

// The shipped score on every source, at the default issue threshold (score ≥ 0.5).
const bySource = [['source', 'pictures', 'no structure', 'flagged blurry', 'σ 0.4 % copies flagged']];
for (const source of [...new Set(measured.map((m) => m.source))]) {
  const of = measured.filter((m) => m.source === source);
  const flagged = (v: number) => of.filter((m) => blurScore(m.sharpness[v]!) >= 0.5).length;
  bySource.push([`${source}${fitSources.has(source) ? ' (fit)' : ''}`, String(of.length), String(of.filter((m) => m.sharpness[0] === null).length), String(flagged(0)), String(flagged(3))]);
}
console.log(table(bySource));
