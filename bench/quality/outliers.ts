/**
 * How the outlier rule does on sets with planted outliers (bench/quality/outlier-sets.ts):
 * for each base kind, set size and planted kind, several random draws, the rule as the
 * similarity stage runs it (5 neighbours, z 3, from 5 images) on the embedding alone (the former
 * rule) and with the kind figures (kind-figures.ts); prints how many planted images were
 * candidates (any confidence) and outliers (confidence ≥ 0.5), how many base images were, and
 * the share of planted images among the most isolated (R-precision). The kind figures, their
 * floors and minKindSigma were chosen on draws 0–7; the table shows draws 8–15.
 *
 *   node --import tsx bench/quality/outliers.ts
 */
import { kindFiguresOf } from '../../src/domain/similarity/kind-figures.ts';
import { neighbourScores } from '../../src/domain/similarity/scores.ts';
import { seededRandom } from '../../src/lib/seeded-random.ts';
import { fmt, machineLine, table } from '../lib.ts';
import { analysesOf, exactGraph, pools } from './outlier-sets.ts';

const p = await pools();
console.log(machineLine());
console.log(Object.entries(p).map(([k, v]) => `${k} ${v.length}`).join(', '));
const analyses = await analysesOf(Object.values(p).flat());
const fitDraws = [0, 8];
const heldOutDraws = [8, 16];

function pick<T>(from: readonly T[], n: number, random: () => number): T[] {
  const a = [...from];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

const rules = { embedding: false, 'embedding + kind': true } as const;
/** Set sizes per base: as many as each pool allows (13 chessboard shots, 29 photographs). */
const sizes = { chessboards: [10], wallpapers: [12, 30, 60], photos: [12, 30, 60], photographs: [12, 25] } as const;
const cases = (['chessboards', 'wallpapers', 'photos', 'photographs'] as const).flatMap((base) =>
  sizes[base].flatMap((nBase) => (['screenshots', 'diagrams', 'clipart'] as const).map((kind) => ({ base, nBase, kind, nPlanted: nBase < 20 ? 2 : 3 }))),
);

/** The rule's counts over draws [from, to) of one case. */
function run({ base, nBase, kind, nPlanted }: (typeof cases)[number], withKind: boolean, [from, to]: number[]) {
  const c = { found: 0, sure: 0, falseFlags: 0, falseSure: 0, rPrecision: 0, planted: 0, draws: 0 };
  for (let d = from!; d < to!; d++) {
    const random = seededRandom(1000 * d + nBase);
    const files = [...pick(p[base], nBase, random), ...pick(p[kind], nPlanted, random)].map((f) => analyses.get(f)!);
    const g = exactGraph(files.map((a) => a.vector), 10);
    const s = neighbourScores(g, { outlierNeighbours: 5, outlierZ: 3, outlierMinItems: 5 }, withKind ? kindFiguresOf(files.map((a) => a.quality)) : undefined);
    const conf = s.outlierConfidence;
    // Ranked by confidence, then (for the rest) by the embedding's outlier score.
    const top = Array.from(conf.keys()).sort((a, b) => conf[b]! - conf[a]! || s.outlierScore[b]! - s.outlierScore[a]!).slice(0, nPlanted);
    c.rPrecision += top.filter((i) => i >= nBase).length / nPlanted;
    for (let i = 0; i < files.length; i++) {
      if (i >= nBase) {
        if (conf[i]! >= 0) c.found++;
        if (conf[i]! >= 0.5) c.sure++;
      } else {
        if (conf[i]! >= 0) c.falseFlags++;
        if (conf[i]! >= 0.5) c.falseSure++;
      }
    }
    c.planted += nPlanted;
    c.draws++;
  }
  return c;
}

const rows = [['rule', 'base', 'n base', 'planted', 'planted: candidates', 'planted: conf ≥ 0.5', 'base candidates / set', 'base conf ≥ 0.5 / set', 'R-precision']];
for (const [rule, withKind] of Object.entries(rules)) {
  for (const k of cases) {
    const c = run(k, withKind, heldOutDraws);
    rows.push([rule, k.base, String(k.nBase), `${k.nPlanted} ${k.kind}`, `${c.found}/${c.planted}`, `${c.sure}/${c.planted}`, fmt(c.falseFlags / c.draws, 1), fmt(c.falseSure / c.draws, 1), fmt(c.rPrecision / c.draws, 2)]);
  }
}
console.log(table(rows));

const totals = [['rule', 'draws', 'base', 'planted: candidates', 'planted: conf ≥ 0.5', 'base candidates / set', 'base conf ≥ 0.5 / set', 'R-precision']];
for (const [rule, withKind] of Object.entries(rules)) {
  for (const [name, draws] of [['0–7 (fit)', fitDraws], ['8–15 (held out)', heldOutDraws]] as const) {
    for (const bases of [['wallpapers'], ['photos'], ['photographs'], ['wallpapers', 'photos']]) {
      const all = cases.filter((k) => bases.includes(k.base)).map((k) => run(k, withKind, draws));
      const sum = (key: keyof (typeof all)[number]) => all.reduce((s, c) => s + c[key], 0);
      totals.push([rule, name, bases.join(' + '), `${sum('found')}/${sum('planted')}`, `${sum('sure')}/${sum('planted')}`, fmt(sum('falseFlags') / sum('draws'), 2), fmt(sum('falseSure') / sum('draws'), 2), fmt(sum('rPrecision') / sum('draws'), 2)]);
    }
  }
}
console.log('\nWallpaper, photo and photograph sets:');
console.log(table(totals));
