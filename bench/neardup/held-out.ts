/**
 * Duplicate levels fitted on some packages and scored on others (bench/neardup/broad-set.ts):
 * the fit pool is the first labelled set (photos) plus the broad set's `fit` packages; the
 * held-out packages are only ever scored, per kind. Prints the fitted weights and knots (which
 * go into src/domain/similarity/calibration.ts) and, for them and for the shipped calibration,
 * precision and recall at 0.96 on each held-out kind, then on each kind of the fit pool, then on
 * both pools as one dataset.
 *
 *   node --import tsx bench/neardup/held-out.ts
 *
 * In process, from the cached features (features.ts), with candidate pairs as the kNN graph
 * would hold them: the same measure as calibrate.ts, on other data.
 */
import { calibrationFor } from '../../src/domain/similarity/calibration.ts';
import { broadSet, kinds, type BroadFile } from './broad-set.ts';
import { withoutAmbiguousCopies } from './ambiguous-copies.ts';
import { candidatePairs, fitLevels, groupScores, type Candidate, type Fitted } from './calibrate.ts';
import { setFeatures, type FileFeatures } from './features.ts';
import { labelledSet, type LabelledFile } from './labelled-set.ts';

export interface Pool {
  files: LabelledFile[];
  features: FileFeatures[];
}

/** Files and their features, in the same order. */
function pool(files: readonly LabelledFile[], features: readonly FileFeatures[], keep: (f: LabelledFile) => boolean): Pool {
  const byFile = new Map(files.map((f) => [f.file, f]));
  const out: Pool = { files: [], features: [] };
  for (const feat of features) {
    const f = byFile.get(feat.file);
    if (f === undefined || !keep(f)) continue;
    out.files.push(f);
    out.features.push(feat);
  }
  return out;
}

function concat(a: Pool, b: Pool): Pool {
  return { files: [...a.files, ...b.files], features: [...a.features, ...b.features] };
}

export async function heldOutPools(): Promise<{ model: string; fit: Pool; heldOut: Pool }> {
  const first = await labelledSet();
  // The watermark copies of near-uniform pictures are neither copies nor look-alikes to score on.
  const { set: broad } = await withoutAmbiguousCopies(await broadSet());
  const f1 = await setFeatures(first);
  const f2 = await setFeatures(broad);
  const fit = concat(
    pool(first.files, f1.features, () => true),
    pool(broad.files, f2.features, (f) => (f as BroadFile).split === 'fit'),
  );
  const heldOut = pool(broad.files, f2.features, (f) => (f as BroadFile).split === 'held-out');
  return { model: f1.model, fit, heldOut };
}

const zOf = (w: Fitted['weights']) => (c: Candidate) => w.cosine * c.cosine + w.descriptor * c.descriptor;

async function main(): Promise<void> {
  const { model, fit, heldOut } = await heldOutPools();
  console.log(`model ${model}; fit ${fit.files.length} files, held out ${heldOut.files.length} files`);
  const fitted = fitLevels(fit.files, candidatePairs(fit.features));
  console.log(`weights ${JSON.stringify(fitted.weights)}`);
  console.log(`knots ${JSON.stringify(fitted.knots.map(([t, l]) => [Math.round(t * 1e4) / 1e4, l]))}`);
  const shipped = calibrationFor(model);
  const rows: Array<[string, Fitted['weights'], number]> = [['refitted', fitted.weights, fitted.knots[0]![0]]];
  if (shipped) rows.push(['shipped', shipped.weights, shipped.knots[0]![0]]);
  const parts: Array<[string, Pool]> = [['all held-out', heldOut]];
  for (const kind of kinds) parts.push([kind, pool(heldOut.files, heldOut.features, (f) => (f as BroadFile).kind === kind)]);
  // The fit pool per kind too (the first set has no kind), which is what a change may be judged on.
  for (const kind of ['first set', ...kinds]) parts.push([`fit ${kind}`, pool(fit.files, fit.features, (f) => ((f as BroadFile).kind ?? 'first set') === kind)]);
  // Both pools as one dataset: pairs across them (a fit wallpaper and a held-out one) are scored nowhere else.
  parts.push(['fit + held-out', concat(fit, heldOut)]);
  for (const [name, p] of parts) {
    const cands = candidatePairs(p.features);
    for (const [label, w, t] of rows) {
      const s = groupScores(p.files, cands, zOf(w), t);
      const weak = Object.entries(s.recallByEdit).filter(([, r]) => r < 0.9).map(([e, r]) => `${e} ${r.toFixed(2)}`);
      console.log(`${name.padEnd(16)} ${label.padEnd(8)} precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)}  ${weak.join(' ')}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
