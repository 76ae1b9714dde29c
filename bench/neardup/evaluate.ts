/**
 * Scores predicted duplicate pairs against a LabelledSet. Pure functions: pairs are unordered
 * file names (as in LabelledFile.file), self-pairs are ignored, repeats count once.
 */
import type { LabelledSet } from './labelled-set.ts';

export type Pair = [string, string];

export interface PairScores {
  /** tp / (tp + fp); NaN when nothing was predicted. */
  precision: number;
  /** tp / number of true pairs. */
  recall: number;
  tp: number;
  fp: number;
  fn: number;
  /**
   * Per edit class: the share found of the true pairs between a group's original and its file
   * of that class, or between two files of that class (natural-size groups have no original).
   * Pairs of two different edits count only in `recall`.
   */
  recallByEdit: Record<string, number>;
  /** The first 10 false positives, in the order predicted. */
  falsePositiveExamples: Pair[];
}

/** Every unordered pair of files sharing a group, each as [smaller name, larger name]. */
export function truePairs(set: LabelledSet): Pair[] {
  const byGroup = new Map<string, string[]>();
  for (const f of set.files) byGroup.set(f.group, [...(byGroup.get(f.group) ?? []), f.file]);
  const pairs: Pair[] = [];
  for (const members of byGroup.values()) {
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) pairs.push(ordered(members[i]!, members[j]!));
    }
  }
  return pairs;
}

export function evaluatePairs(set: LabelledSet, predicted: Iterable<readonly [string, string]>): PairScores {
  const info = new Map(set.files.map((f) => [f.file, f]));
  const pairs = truePairs(set);
  const truth = new Set(pairs.map(key));
  const hits = new Set<string>();
  const wrong = new Set<string>();
  const falsePositiveExamples: Pair[] = [];
  for (const [a, b] of predicted) {
    // A name outside the set means the peer's paths were not mapped back: a bug, not a miss.
    for (const name of [a, b]) if (!info.has(name)) throw new Error(`predicted pair names a file not in the set: ${name}`);
    if (a === b) continue;
    const k = key(ordered(a, b));
    if (truth.has(k)) {
      hits.add(k);
    } else if (!wrong.has(k)) {
      wrong.add(k);
      if (falsePositiveExamples.length < 10) falsePositiveExamples.push(ordered(a, b));
    }
  }
  const tp = hits.size;
  const fp = wrong.size;

  const perEdit = new Map<string, { total: number; hit: number }>();
  for (const f of set.files) if (f.edit !== 'original' && !perEdit.has(f.edit)) perEdit.set(f.edit, { total: 0, hit: 0 });
  for (const pair of pairs) {
    const [x, y] = pair.map((n) => info.get(n)!.edit) as [string, string];
    const counts = perEdit.get(x === 'original' ? y : y === 'original' || x === y ? x : '');
    if (counts === undefined) continue;
    counts.total++;
    if (hits.has(key(pair))) counts.hit++;
  }
  const recallByEdit: Record<string, number> = {};
  for (const [edit, { total, hit }] of perEdit) recallByEdit[edit] = total === 0 ? NaN : hit / total;

  return {
    precision: tp + fp === 0 ? NaN : tp / (tp + fp),
    recall: truth.size === 0 ? NaN : tp / truth.size,
    tp,
    fp,
    fn: truth.size - tp,
    recallByEdit,
    falsePositiveExamples,
  };
}

function ordered(a: string, b: string): Pair {
  return a < b ? [a, b] : [b, a];
}

// File names cannot contain NUL, so it separates the two names unambiguously.
function key([a, b]: Pair): string {
  return `${a}\0${b}`;
}

export interface PartScores {
  precision: number;
  recall: number;
  tp: number;
  fp: number;
  fn: number;
}

/**
 * Precision and recall per part of the set (e.g. per kind of picture): a predicted pair counts
 * for the part of each of its two files, so a false pair across two parts counts against both.
 */
export function evaluateByPart(set: LabelledSet, predicted: Iterable<readonly [string, string]>, partOf: (file: string) => string): Map<string, PartScores> {
  const groupOf = new Map(set.files.map((f) => [f.file, f.group]));
  const counts = new Map<string, { tp: number; fp: number; truth: number }>();
  const at = (part: string) => counts.get(part) ?? counts.set(part, { tp: 0, fp: 0, truth: 0 }).get(part)!;
  for (const [a] of truePairs(set)) at(partOf(a)).truth++;
  const seen = new Set<string>();
  for (const [a, b] of predicted) {
    const k = key(ordered(a, b));
    if (a === b || seen.has(k)) continue;
    seen.add(k);
    const same = groupOf.get(a) !== undefined && groupOf.get(a) === groupOf.get(b);
    for (const part of new Set([partOf(a), partOf(b)])) at(part)[same ? 'tp' : 'fp']++;
  }
  return new Map(
    [...counts].map(([part, { tp, fp, truth }]) => [part, { precision: tp + fp === 0 ? NaN : tp / (tp + fp), recall: truth === 0 ? NaN : tp / truth, tp, fp, fn: truth - tp }]),
  );
}
