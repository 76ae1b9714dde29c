/**
 * Whether the dark and bright issues flag failed exposures and leave intentionally dark and
 * bright pictures alone (README: "Dark / bright").
 *
 * 1. Flags (score ≥ 0.5) per source of the quality sample (bench/quality/sample.ts), with names.
 * 2. The highlight gate of the dark score, fitted and checked held out by package: exposure
 *    edits of the sample's ordinary pictures (neither dark nor bright by the mean rule alone):
 *    ±EV on the 512 px gray image as v · 2^(EV / 2.2), clipped at 255 (a change of exposure in
 *    linear light under a 2.2 gamma; sharp's .linear(k) on the colour image is the same). On one
 *    fold (A = opencv, skimage, darknet, Plasma, Lomiri; B = MATE, GNOME, UKUI, desktop-base) the
 *    gate is the 95th percentile of the highlight level (99th percentile gray level) of the −2 and
 *    −3 EV edits the mean rule flags; it is scored on the other fold, and the shipped gate
 *    (dimHighlights) on each. The bright score's gates (clipping, shadows) are set by reasoning
 *    and only scored.
 * 3. Intentionally dark and bright pictures (bench/quality/fetch-images.sh exposure: night skies
 *    and snow slopes rendered by Extreme Tux Racer, xplanet's Earth at night; and the sample's
 *    own dusk and fog photos), none used to set anything: flagged by the mean rule alone and by
 *    the shipped scores.
 *
 *   node --import tsx bench/quality/exposure.ts
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analysisGrayOf } from '../../src/media/analyze-image.ts';
import { decodeImage } from '../../src/media/image-decode.ts';
import { brightScore, darkScore, dimHighlights, qualityMetrics, toGray, type GrayImage } from '../../src/media/image-metrics.ts';
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

/** The figures of one gray image: the shipped scores and the mean rule alone (no gate). */
interface Exposure { name: string; source: string; mean: number; dark: number; bright: number; meanDark: number; meanBright: number; highlight: number; /** The dark score with its highlight gate at another level (the fit below). */ gate: (highlightsFrom: number) => number }
function exposureOf(name: string, source: string, g: GrayImage): Exposure {
  const q = qualityMetrics(g, 0);
  return {
    name,
    source,
    mean: q.brightnessMean,
    dark: q.dark,
    bright: q.bright,
    meanDark: darkScore(q.brightnessMean, q.darkFraction, 0),
    meanBright: brightScore(q.brightnessMean, q.brightFraction, 255, 1),
    highlight: q.highlightLevel!,
    gate: (at) => darkScore(q.brightnessMean, q.darkFraction, q.highlightLevel!, at),
  };
}

const foldA = new Set(['opencv', 'skimage', 'darknet', 'plasma', 'lomiri-wallpapers']);
const foldOf = (x: Exposure) => (foldA.has(x.source) ? 'A' : 'B');
const originals = sample.map((s) => exposureOf(s.name, s.source, s.versions[0]!));
const ordinary = new Set(originals.filter((x) => x.meanDark < 0.5 && x.meanBright < 0.5).map((x) => x.name));
const evs = [-1, -2, -3, 1, 2];
const edits: (Exposure & { ev: number })[] = [];
for (const ev of evs) {
  const gain = 2 ** (ev / 2.2);
  for (const s of sample.filter((s) => ordinary.has(s.name))) {
    const g = s.versions[0]!;
    edits.push({ ev, ...exposureOf(s.name, s.source, { ...g, data: g.data.map((v) => Math.min(255, Math.round(v * gain))) }) });
  }
}
const quantile = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.floor(q * (v.length - 1))]!;
const fitted = (fold: string) => quantile(edits.filter((e) => foldOf(e) === fold && e.ev <= -2 && e.meanDark >= 0.5).map((e) => e.highlight), 0.95);
const gates = [['fit', 'highlight gate'], ['A', String(fitted('A'))], ['B', String(fitted('B'))], ['A + B', String(quantile(edits.filter((e) => e.ev <= -2 && e.meanDark >= 0.5).map((e) => e.highlight), 0.95))]];
console.log(table(gates));
const held = [['gate', 'scored', ...evs.map((ev) => `${ev > 0 ? '+' : ''}${ev} EV caught: mean rule / gated`), 'originals dark: mean rule / gated']];
for (const [fit, scored] of [['A', 'B'], ['B', 'A'], ['shipped', 'A'], ['shipped', 'B']] as const) {
  const at = fit === 'shipped' ? dimHighlights : fitted(fit);
  const caught = (ev: number) => {
    const of = edits.filter((e) => e.ev === ev && foldOf(e) === scored);
    const [plain, gated] = ev < 0 ? [of.filter((e) => e.meanDark >= 0.5), of.filter((e) => e.gate(at) >= 0.5)] : [of.filter((e) => e.meanBright >= 0.5), of.filter((e) => e.bright >= 0.5)];
    return `${plain.length} / ${gated.length} of ${of.length}`;
  };
  const origs = originals.filter((x) => foldOf(x) === scored);
  held.push([`${fit} (${at})`, scored, ...evs.map(caught), `${origs.filter((x) => x.meanDark >= 0.5).length} / ${origs.filter((x) => x.gate(at) >= 0.5).length} of ${origs.length}`]);
}
console.log(table(held));
const unflagged = originals.filter((x) => (x.meanDark >= 0.5 && x.dark < 0.5) || (x.meanBright >= 0.5 && x.bright < 0.5));
console.log(`originals the gates unflag: ${unflagged.map((x) => `${x.name} (highlight ${x.highlight})`).join(', ') || 'none'}`);

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
  intentional.push({ group: group[0], issue: group[1], x: exposureOf(name, 'exposure', analysisGrayOf(toGray(pixels.data, pixels.width, pixels.height, pixels.channels))) });
}
const photos: [string, 'dark' | 'bright', string[]][] = [
  ['dusk and forest photos (Plasma)', 'dark', ['plasma-DarkestHour-2560x1600.jpg', 'plasma-Path-2560x1600.jpg', 'plasma-OneStandsOut-2560x1600.jpg']],
  ['fog photo (Plasma)', 'bright', ['plasma-ColdRipple-2560x1600.jpg']],
];
for (const [group, issue, names] of photos) intentional.push(...originals.filter((x) => names.includes(x.name)).map((x) => ({ group, issue, x })));
const range = (v: number[], digits: number) => `${fmt(Math.min(...v), digits)}–${fmt(Math.max(...v), digits)}`;
const byGroup = [['intentional pictures', 'issue', 'pictures', 'mean gray level', 'flagged: mean rule / shipped', 'confidence (shipped)', 'still flagged']];
for (const group of [...new Set(intentional.map((i) => i.group))]) {
  const of = intentional.filter((i) => i.group === group);
  const issue = of[0]!.issue;
  const plain = (x: Exposure) => (issue === 'dark' ? x.meanDark : x.meanBright);
  const still = of.filter((i) => i.x[issue] >= 0.5).map((i) => i.x.name);
  byGroup.push([group, issue, String(of.length), range(of.map((i) => i.x.mean), 0), `${of.filter((i) => plain(i.x) >= 0.5).length} / ${still.length}`, range(of.map((i) => i.x[issue]), 2), still.join(', ')]);
}
console.log(table(byGroup));
