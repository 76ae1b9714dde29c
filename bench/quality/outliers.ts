/**
 * How the outlier rule does on sets with planted outliers (bench/quality/outlier-sets.ts):
 * for each base kind, set size and planted kind, several random draws, the rule as the
 * similarity stage runs it (5 neighbours, z 3, from 5 images); prints how many planted images
 * were candidates (any confidence) and outliers (confidence ≥ 0.5), and how many base images were.
 *
 *   node --import tsx bench/quality/outliers.ts
 */
import { neighbourScores } from '../../src/domain/similarity/scores.ts';
import { seededRandom } from '../../src/lib/seeded-random.ts';
import { fmt, machineLine, table } from '../lib.ts';
import { exactGraph, pools, vectorsOf } from './outlier-sets.ts';

const p = await pools();
console.log(machineLine());
console.log(Object.entries(p).map(([k, v]) => `${k} ${v.length}`).join(', '));
const vectors = await vectorsOf(Object.values(p).flat());
const draws = 8;

function pick<T>(from: readonly T[], n: number, random: () => number): T[] {
  const a = [...from];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

const rows = [['base', 'n base', 'planted', 'planted: candidates', 'planted: conf ≥ 0.5', 'base candidates / set', 'base conf ≥ 0.5 / set']];
for (const base of ['chessboards', 'wallpapers', 'photos'] as const) {
  for (const nBase of base === 'chessboards' ? [10] : [12, 30, 60]) {
    for (const kind of ['screenshots', 'diagrams', 'clipart'] as const) {
      const nPlanted = nBase < 20 ? 2 : 3;
      let found = 0;
      let sure = 0;
      let falseFlags = 0;
      let falseSure = 0;
      for (let d = 0; d < draws; d++) {
        const random = seededRandom(1000 * d + nBase);
        const files = [...pick(p[base], nBase, random), ...pick(p[kind], nPlanted, random)];
        const g = exactGraph(files.map((f) => vectors.get(f)!), 10);
        const s = neighbourScores(g, { outlierNeighbours: 5, outlierZ: 3, outlierMinItems: 5 });
        for (let i = 0; i < files.length; i++) {
          const c = s.outlierConfidence[i]!;
          if (i >= nBase) {
            if (c >= 0) found++;
            if (c >= 0.5) sure++;
          } else {
            if (c >= 0) falseFlags++;
            if (c >= 0.5) falseSure++;
          }
        }
      }
      const all = draws * nPlanted;
      rows.push([base, String(nBase), `${nPlanted} ${kind}`, `${found}/${all}`, `${sure}/${all}`, fmt(falseFlags / draws, 1), fmt(falseSure / draws, 1)]);
    }
  }
}
console.log(table(rows));
