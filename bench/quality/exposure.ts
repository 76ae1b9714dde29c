/**
 * What the dark and bright issues say about real pictures, and whether their confidence tells an
 * intentionally dark or bright picture from a badly exposed one (README: "dark" and "bright"
 * describe the picture as it is; the confidence is what lets a user keep the intentional ones).
 *
 * 1. Flags (score ≥ 0.5) per source of the quality sample (bench/quality/sample.ts), with names.
 * 2. Intentionally dark and bright pictures (bench/quality/fetch-images.sh exposure: night skies
 *    and snow slopes rendered by Extreme Tux Racer, xplanet's Earth at night; and the sample's
 *    own night and fog photos): what is flagged, with what confidence.
 * 3. Exposure edits of the sample's ordinary pictures (neither flagged): ±EV on the 512 px gray
 *    image as v · 2^(EV / 2.2), clipped at 255 (a change of exposure in linear light under a 2.2
 *    gamma; sharp's .linear(k) on the colour image is the same), and, for each flagged
 *    intentional picture, the edits of the same mean gray level (± 3) beside it: their
 *    confidence, and the figures that could tell them apart (share clipped at white, 99th
 *    percentile of the gray levels: an under-exposed copy loses its highlights).
 *
 *   node --import tsx bench/quality/exposure.ts
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analysisGrayOf } from '../../src/media/analyze-image.ts';
import { decodeImage } from '../../src/media/image-decode.ts';
import { qualityMetrics, toGray, type GrayImage } from '../../src/media/image-metrics.ts';
import { fmt, machineLine, repoDir, table } from '../lib.ts';
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

/** The figures of one gray image: the issue scores and what a histogram adds to them. */
interface Exposure { name: string; mean: number; dark: number; bright: number; clippedWhite: number; p99: number }
function exposureOf(name: string, g: GrayImage): Exposure {
  const q = qualityMetrics(g, 0);
  const sorted = Uint8Array.from(g.data).sort();
  return {
    name,
    mean: q.brightnessMean,
    dark: q.dark,
    bright: q.bright,
    clippedWhite: sorted.filter((v) => v >= 254).length / sorted.length,
    p99: sorted[Math.floor(0.99 * (sorted.length - 1))]!,
  };
}

// Intentional pictures, by what they show (the course previews looked at one by one: six are
// cartoons or logos, four are dusk or sand, two are night runs).
const dir = join(execFileSync('bash', [join(repoDir, 'bench/quality/fetch-images.sh'), 'exposure'], { encoding: 'utf8' }).trim(), 'images');
const notSnow = new Set(['bronze_set', 'comepeces', 'el_reto', 'laberinto', 'touch_the_moon', 'tuxway', 'challenge_one', 'in_search_of_vodka', 'quiet_river', 'secret_valleys']);
const nightRuns = new Set(['downhill_fear', 'milos_castle']);
const course = (n: string) => n.replace(/^etr-course-|\.png$/g, '');
const groups: [string, 'dark' | 'bright', (n: string) => boolean][] = [
  ['night sky over mountains, renders', 'dark', (n) => n.startsWith('etr-night-') || nightRuns.has(course(n))],
  ['Earth at night (xplanet)', 'dark', (n) => n === 'xplanet-night.jpg'],
  ['snow by day, renders', 'bright', (n) => n.startsWith('etr-sunny-') || (n.startsWith('etr-course-') && !notSnow.has(course(n)) && !nightRuns.has(course(n)))],
];
const intentional: { group: string; issue: 'dark' | 'bright'; x: Exposure }[] = [];
for (const name of readdirSync(dir).sort()) {
  const group = groups.find(([, , test]) => test(name));
  if (!group) continue;
  const { pixels } = await decodeImage(join(dir, name), { maxPixels: 200_000_000, workingSize: 512 });
  intentional.push({ group: group[0], issue: group[1], x: exposureOf(name, analysisGrayOf(toGray(pixels.data, pixels.width, pixels.height, pixels.channels))) });
}
const photos: [string, 'dark' | 'bright', string[]][] = [
  ['dusk and forest photos (Plasma)', 'dark', ['plasma-DarkestHour-2560x1600.jpg', 'plasma-Path-2560x1600.jpg', 'plasma-OneStandsOut-2560x1600.jpg']],
  ['fog photo (Plasma)', 'bright', ['plasma-ColdRipple-2560x1600.jpg']],
];
for (const [group, issue, names] of photos) {
  for (const s of sample.filter((s) => names.includes(s.name))) intentional.push({ group, issue, x: exposureOf(s.name, s.versions[0]!) });
}
const range = (v: number[], digits: number) => `${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)}`;
const byGroup = [['intentional pictures', 'issue', 'pictures', 'mean gray level', 'flagged (≥ 0.5)', 'confidence']];
for (const group of [...new Set(intentional.map((i) => i.group))]) {
  const of = intentional.filter((i) => i.group === group);
  const issue = of[0]!.issue;
  byGroup.push([group, issue, String(of.length), range(of.map((i) => i.x.mean), 0), String(of.filter((i) => i.x[issue] >= 0.5).length), range(of.map((i) => i.x[issue]), 2)]);
}
console.log(table(byGroup));
const whiteByDesign = sample.map((s) => exposureOf(s.name, s.versions[0]!)).filter((x) => x.bright >= 0.5);
console.log(`sample pictures flagged bright (white by design): ${whiteByDesign.length}, clipped at white ${range(whiteByDesign.map((x) => x.clippedWhite), 2)}, confidence ${range(whiteByDesign.map((x) => x.bright), 2)}`);

// Exposure edits of the ordinary pictures.
const ordinary = sample.filter((s) => { const q = qualityMetrics(s.versions[0]!, 0); return q.dark < 0.5 && q.bright < 0.5; });
const edits: (Exposure & { ev: number })[] = [];
for (const ev of [-1, -2, -3, 1, 2]) {
  const gain = 2 ** (ev / 2.2);
  for (const s of ordinary) {
    const g = s.versions[0]!;
    edits.push({ ev, ...exposureOf(s.name, { ...g, data: g.data.map((v) => Math.min(255, Math.round(v * gain))) }) });
  }
}
const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]!; };
const byEv = [['edit', 'pictures', 'flagged dark', 'flagged bright', 'median mean gray level', 'median clipped at white', 'median 99th pct']];
for (const ev of [-1, -2, -3, 1, 2]) {
  const of = edits.filter((e) => e.ev === ev);
  byEv.push([`${ev > 0 ? '+' : ''}${ev} EV`, String(of.length), String(of.filter((e) => e.dark >= 0.5).length), String(of.filter((e) => e.bright >= 0.5).length), fmt(median(of.map((e) => e.mean)), 0), fmt(median(of.map((e) => e.clippedWhite)), 2), fmt(median(of.map((e) => e.p99)), 0)]);
}
console.log(table(byEv));

const matched = [['flagged intentional picture', 'issue', 'mean', 'confidence', 'edits as dark/bright', 'their confidence (median)', 'clipped at white: picture / edits', '99th pct: picture / edits']];
for (const { issue, x } of intentional.filter((i) => i.x[i.issue] >= 0.5)) {
  const near = edits.filter((e) => Math.abs(e.mean - x.mean) <= 3 && (issue === 'dark' ? e.ev < 0 : e.ev > 0));
  matched.push([
    x.name, issue, fmt(x.mean, 0), fmt(x[issue], 2), String(near.length),
    near.length ? fmt(median(near.map((e) => e[issue])), 2) : '–',
    `${fmt(x.clippedWhite, 2)} / ${near.length ? fmt(median(near.map((e) => e.clippedWhite)), 2) : '–'}`,
    `${x.p99} / ${near.length ? fmt(median(near.map((e) => e.p99)), 0) : '–'}`,
  ]);
}
console.log(table(matched));
