/**
 * Fits the calibrated similarity levels (src/domain/similarity/calibration.ts) on the labelled
 * set and prints precision/recall per level, with and without cross-validation.
 *
 *   node --import tsx bench/neardup/calibrate.ts
 *
 * What it mirrors of production: candidate pairs are only those the kNN graph would hold (each
 * file's `k` nearest by embedding cosine, found exactly here), identical bytes always join, and
 * duplicates are groups (connected components), so precision and recall are measured over all
 * pairs inside the predicted groups against all pairs inside the true groups.
 *
 * Method: a logistic fit of "same group" on (embedding cosine, copy-descriptor correlation)
 * over the candidate pairs gives the weights of the combined score z. The 0.96 threshold is the
 * lowest z whose groups keep precision ≥ TARGET_PRECISION; each higher level takes the lowest z
 * that still keeps LEVEL_RECALL of the edits it is meant to include (classes below), so that a
 * level means a kind of edit: 0.999 is a format change, 0.96 everything SPEC §7 lists.
 */
import { descriptorCosine, packDescriptors, type PackedDescriptors } from '../../src/domain/similarity/copy-descriptor.ts';
import { UnionFind } from '../../src/domain/similarity/union-find.ts';
import { setFeatures, type FileFeatures } from './features.ts';
import { labelledSet, type LabelledFile } from './labelled-set.ts';

const K = 10;
const TARGET_PRECISION = 0.985;
const LEVEL_RECALL = 0.9;
/** The edits each level is meant to include, cumulatively from the top. */
export const levelClasses: Array<[number, string[]]> = [
  [0.999, ['identical', 'png', 'webp']],
  [0.995, ['resize50', 'natural-size']],
  [0.99, ['jpeg40', 'resize25']],
  [0.985, ['bright+20', 'dark-20']],
  [0.98, ['crop5', 'watermark']],
  [0.97, ['caption', 'combined', 'rotate3']],
  [0.96, ['crop10', 'crop15']],
];

export interface Candidate {
  i: number;
  j: number;
  cosine: number;
  descriptor: number;
  identical: boolean;
}

/** Each file's K nearest others by embedding cosine (exact), as unordered unique pairs. */
export function candidatePairs(features: readonly FileFeatures[], k = K): Candidate[] {
  const n = features.length;
  const packed: PackedDescriptors = packDescriptors(features.map((f) => f.copyDescriptor));
  const seen = new Set<number>();
  const out: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const sims: Array<[number, number]> = [];
    for (let j = 0; j < n; j++) if (j !== i) sims.push([dot(features[i]!.vector, features[j]!.vector), j]);
    sims.sort((a, b) => b[0] - a[0]);
    for (const [cosine, j] of sims.slice(0, k)) {
      const [a, b] = i < j ? [i, j] : [j, i];
      if (seen.has(a * n + b)) continue;
      seen.add(a * n + b);
      out.push({ i: a, j: b, cosine, descriptor: descriptorCosine(packed, a, b), identical: features[a]!.byteHash === features[b]!.byteHash });
    }
  }
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

/** Logistic regression (balanced classes) of y on (cosine, descriptor); weights scaled to sum 1. */
export function fitWeights(cands: readonly Candidate[], y: (c: Candidate) => boolean): { cosine: number; descriptor: number } {
  const w = [0, 0, 0];
  const pos = cands.filter(y).length;
  const neg = cands.length - pos;
  for (let it = 0; it < 2000; it++) {
    const g = [0, 0, 0];
    for (const c of cands) {
      const p = 1 / (1 + Math.exp(-(w[0]! * c.cosine + w[1]! * c.descriptor + w[2]!)));
      const err = (p - (y(c) ? 1 : 0)) * (y(c) ? 0.5 / pos : 0.5 / neg);
      g[0]! += err * c.cosine;
      g[1]! += err * c.descriptor;
      g[2]! += err;
    }
    for (let i = 0; i < 3; i++) w[i]! -= 50 * g[i]!;
  }
  const sum = w[0]! + w[1]!;
  return { cosine: w[0]! / sum, descriptor: w[1]! / sum };
}

export interface GroupScores {
  precision: number;
  recall: number;
  recallByEdit: Record<string, number>;
}

/** Groups from the candidate edges at z ≥ threshold (and identical files), scored pairwise. */
export function groupScores(files: readonly LabelledFile[], cands: readonly Candidate[], z: (c: Candidate) => number, threshold: number): GroupScores {
  const uf = new UnionFind(files.length);
  for (const c of cands) if (c.identical || z(c) >= threshold) uf.union(c.i, c.j);
  const comp = uf.labels(true);
  const key = (a: string, b: string) => `${a}\u0000${b}`;
  const predicted = new Map<string, number>(); // (component, group) → count
  const compSize = new Map<number, number>();
  const groupSize = new Map<string, number>();
  files.forEach((f, i) => {
    predicted.set(key(String(comp[i]), f.group), (predicted.get(key(String(comp[i]), f.group)) ?? 0) + 1);
    compSize.set(comp[i]!, (compSize.get(comp[i]!) ?? 0) + 1);
    groupSize.set(f.group, (groupSize.get(f.group) ?? 0) + 1);
  });
  const pairs = (m: number) => (m * (m - 1)) / 2;
  let tp = 0;
  for (const m of predicted.values()) tp += pairs(m);
  let predictedPairs = 0;
  for (const m of compSize.values()) predictedPairs += pairs(m);
  let truePairs = 0;
  for (const m of groupSize.values()) truePairs += pairs(m);
  // Recall per edit: an (original, edit) pair is found when both sit in one component.
  const byEdit: Record<string, [number, number]> = {};
  const original = new Map(files.map((f, i) => [f.group, f.edit === 'original' ? i : -1] as const).filter(([, i]) => i >= 0));
  files.forEach((f, i) => {
    if (f.edit === 'original') return;
    const o = original.get(f.group) ?? files.findIndex((g, j) => j !== i && g.group === f.group);
    if (o < 0) return;
    const e = (byEdit[f.edit] ??= [0, 0]);
    e[1]++;
    if (comp[o] === comp[i]) e[0]++;
  });
  return {
    precision: predictedPairs === 0 ? 1 : tp / predictedPairs,
    recall: truePairs === 0 ? 1 : tp / truePairs,
    recallByEdit: Object.fromEntries(Object.entries(byEdit).map(([e, [a, b]]) => [e, a / b])),
  };
}

export interface Fitted {
  weights: { cosine: number; descriptor: number };
  knots: Array<[number, number]>;
}

/** Weights and level knots from one labelled subset. */
export function fitLevels(files: readonly LabelledFile[], cands: readonly Candidate[]): Fitted {
  const weights = fitWeights(cands, (c) => files[c.i]!.group === files[c.j]!.group);
  const z = (c: Candidate) => weights.cosine * c.cosine + weights.descriptor * c.descriptor;
  const zs = [...new Set(cands.map(z))].sort((a, b) => a - b);
  // The lowest threshold whose groups stay precise enough (scan from the top down).
  let base = zs[zs.length - 1]!;
  for (let s = zs.length - 1; s >= 0; s -= Math.max(1, Math.floor(zs.length / 400))) {
    if (groupScores(files, cands, z, zs[s]!).precision < TARGET_PRECISION) break;
    base = zs[s]!;
  }
  // Per level: the z that keeps LEVEL_RECALL of the (original, edit) pairs it includes.
  const knots: Array<[number, number]> = [];
  let floor = base;
  const admitted: string[] = [];
  const thresholds = new Map<number, number>();
  for (const [level, classes] of levelClasses) {
    admitted.push(...classes);
    const values = cands
      .filter((c) => files[c.i]!.group === files[c.j]!.group)
      .filter((c) => [files[c.i]!, files[c.j]!].some((f) => f.edit === 'original') && [files[c.i]!, files[c.j]!].some((f) => admitted.includes(f.edit)))
      .map(z)
      .sort((a, b) => a - b);
    thresholds.set(level, values[Math.floor((1 - LEVEL_RECALL) * (values.length - 1))] ?? base);
  }
  for (const [level] of [...levelClasses].reverse()) {
    const t = level === 0.96 ? base : Math.max(thresholds.get(level)!, floor + 1e-4);
    knots.push([t, level]);
    floor = t;
  }
  return { weights, knots };
}

async function main(): Promise<void> {
  const set = await labelledSet();
  const { model, features } = await setFeatures(set);
  const byFile = new Map(set.files.map((f) => [f.file, f]));
  const files = features.map((f) => byFile.get(f.file)!);
  const cands = candidatePairs(features);
  const fitted = fitLevels(files, cands);
  const z = (c: Candidate) => fitted.weights.cosine * c.cosine + fitted.weights.descriptor * c.descriptor;
  console.log(`model ${model}; ${files.length} files, ${cands.length} candidate pairs (k = ${K})`);
  console.log(`weights ${JSON.stringify(fitted.weights)}`);
  console.log(`knots ${JSON.stringify(fitted.knots.map(([t, l]) => [Math.round(t * 1e4) / 1e4, l]))}`);
  for (const [t, level] of fitted.knots) {
    const s = groupScores(files, cands, z, t);
    console.log(`level ${level}: precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)}  ${Object.entries(s.recallByEdit).map(([e, r]) => `${e} ${r.toFixed(2)}`).join(' ')}`);
  }
  // Cross-validation: fit on half the groups, score the other half.
  const groups = [...new Set(files.map((f) => f.group))].sort();
  for (const half of [0, 1]) {
    const inHalf = (f: LabelledFile) => groups.indexOf(f.group) % 2 === half;
    const pick = (h: boolean) => {
      const idx = files.map((f, i) => (inHalf(f) === h ? i : -1)).filter((i) => i >= 0);
      const at = new Map(idx.map((i, k) => [i, k]));
      return { files: idx.map((i) => files[i]!), cands: cands.filter((c) => at.has(c.i) && at.has(c.j)).map((c) => ({ ...c, i: at.get(c.i)!, j: at.get(c.j)! })) };
    };
    const train = pick(true);
    const test = pick(false);
    const f = fitLevels(train.files, train.cands);
    const zt = (c: Candidate) => f.weights.cosine * c.cosine + f.weights.descriptor * c.descriptor;
    const s = groupScores(test.files, test.cands, zt, f.knots[0]![0]);
    console.log(`cross-validation ${half}: at 0.96 held-out precision ${s.precision.toFixed(3)} recall ${s.recall.toFixed(3)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
