/**
 * Blur measures judged against pictures labelled by eye (bench/quality/blur-labels.json): the
 * quality sample (bench/quality/sample.ts) and the broad set's Lomiri photos, each with its
 * copies blurred at σ = 0.1 / 0.2 / 0.4 % of the long side. Split by source package:
 *   A: opencv, skimage, darknet (test-media photos), Plasma and Lomiri's warty wallpaper
 *   B: MATE, GNOME, UKUI, desktop-base backgrounds and the broad set's Lomiri photos
 * A measure is fitted on one split (threshold = 5th percentile of its originals labelled sharp)
 * and scored on the other. False flags are counted on pictures labelled sharp, and apart on
 * those labelled smooth; soft originals (motion blur, defocus, soft webcams) count as caught or
 * missed; blurred copies are those of the sharp originals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GrayImage } from '../../src/media/image-metrics.ts';
import { auc, fmt, repoDir } from '../lib.ts';
import { broadSet } from '../neardup/broad-set.ts';
import { blurShares, qualitySample, sampleVersions } from './sample.ts';

export type Label = 'sharp' | 'smooth' | 'soft' | 'unsure';
export type Fold = 'A' | 'B';

export interface LabelledImage {
  name: string;
  source: string;
  fold: Fold;
  label: Label;
  /** versions[0] is the original, versions[i] the copy blurred at blurShares[i - 1]. */
  versions: GrayImage[];
}

const foldA = new Set(['opencv', 'skimage', 'darknet', 'plasma', 'lomiri-wallpapers']);

export async function labelledSample(): Promise<LabelledImage[]> {
  const { labels } = JSON.parse(readFileSync(join(repoDir, 'bench/quality/blur-labels.json'), 'utf8')) as {
    labels: Record<string, { label: Label }>;
  };
  const labelOf = (name: string) => {
    const entry = labels[name];
    if (!entry) throw new Error(`${name} has no label in bench/quality/blur-labels.json`);
    return entry.label;
  };
  const images: LabelledImage[] = (await qualitySample()).map((s) => ({
    name: s.name,
    source: s.source,
    fold: foldA.has(s.source) ? 'A' : 'B',
    label: labelOf(s.name),
    versions: s.versions,
  }));
  const broad = await broadSet();
  for (const f of broad.files.filter((f) => f.kind === 'photo' && f.edit === 'original')) {
    images.push({ name: f.file, source: f.source, fold: 'B', label: labelOf(f.file), versions: await sampleVersions(join(broad.dir, f.file)) });
  }
  return images;
}

/** A blur figure: larger is sharper; NaN when the picture has no structure to judge (never blurry). */
export type Figure = (g: GrayImage) => number;

export interface Scores {
  threshold: number;
  /** [flagged or caught, out of] */
  sharpFlagged: [number, number];
  smoothFlagged: [number, number];
  softCaught: [number, number];
  copiesCaught: [number, number][];
  /** Per blur strength: probability that a blurred copy scores below a sharp original (ties half). */
  copiesAuc: number[];
  /** The same for the soft originals against the sharp ones. */
  softAuc: number;
}

/** Every version's figure of every picture, computed once. */
export function figures(images: LabelledImage[], figure: Figure): number[][] {
  return images.map((im) => im.versions.map((g) => {
    const x = figure(g);
    return Number.isNaN(x) ? Infinity : x;
  }));
}

const quantile = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.round(q * (v.length - 1))]!;

/** Fitted on `fit`, scored on the other fold; `threshold` given skips the fit (a fixed rule). */
export function score(images: LabelledImage[], values: number[][], fit: Fold, threshold?: number): Scores {
  const of = (fold: Fold, label: Label) => images.flatMap((im, i) => (im.fold === fold && im.label === label ? [values[i]!] : []));
  const thr = threshold ?? quantile(of(fit, 'sharp').map((v) => v[0]!).filter(Number.isFinite), 0.05);
  const test = fit === 'A' ? 'B' : 'A';
  const sharp = of(test, 'sharp');
  const count = (vs: number[][], v: number): [number, number] => [vs.filter((x) => x[v]! < thr).length, vs.length];
  const soft = of(test, 'soft');
  return {
    threshold: thr,
    sharpFlagged: count(sharp, 0),
    smoothFlagged: count(of(test, 'smooth'), 0),
    softCaught: count(soft, 0),
    copiesCaught: blurShares.map((_, i) => count(sharp, i + 1)),
    copiesAuc: blurShares.map((_, i) => auc(sharp.map((x) => x[i + 1]!), sharp.map((x) => x[0]!))),
    softAuc: auc(soft.map((x) => x[0]!), sharp.map((x) => x[0]!)),
  };
}

const pct = ([k, n]: [number, number]) => `${fmt((100 * k) / n, 0)} % (${k}/${n})`;

export const scoreHeader = ['measure', 'fit → scored', 'threshold', 'sharp flagged', 'smooth flagged', 'soft caught', ...blurShares.map((s) => `σ ${fmt(s * 100, 1)} % caught`), 'AUC σ 0.1/0.2/0.4 %', 'AUC soft'];

export const direction = (fit: Fold) => (fit === 'A' ? 'A → B' : 'B → A');

export function scoreRow(name: string, scoredOn: string, s: Scores): string[] {
  return [
    name,
    scoredOn,
    fmt(s.threshold, 3),
    pct(s.sharpFlagged),
    `${s.smoothFlagged[0]}/${s.smoothFlagged[1]}`,
    `${s.softCaught[0]}/${s.softCaught[1]}`,
    ...s.copiesCaught.map(pct),
    s.copiesAuc.map((a) => fmt(a, 2)).join(' / '),
    fmt(s.softAuc, 2),
  ];
}
