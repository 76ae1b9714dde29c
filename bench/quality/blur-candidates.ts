/**
 * The variants of the tile-wise sharpness that were tried, over the quality sample
 * (bench/quality/sample.ts): each fitted on one half of the sources (5th percentile of the sharp
 * originals) and scored on the other, both ways. ff = sharp originals flagged, rec = blurred
 * copies caught at σ 0.1 / 0.2 / 0.4 %. The shipped one is `grad t32 s8 p0.75`. Also, at the
 * threshold fitted on A, the Lomiri photos of the broad near-duplicate set (fitted on by none):
 * sharp originals flagged and copies blurred at σ 0.4 % caught (as bench/neardup/broad-quality.ts).
 *
 *   node --import tsx bench/quality/blur-candidates.ts
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { analysisGrayOf } from '../../src/media/analyze-image.ts';
import { decodeImage } from '../../src/media/image-decode.ts';
import { laplacianStats, toGray, type GrayImage } from '../../src/media/image-metrics.ts';
import { broadSet } from '../neardup/broad-set.ts';
import { qualitySample } from './sample.ts';

function tiles(g: GrayImage, tile: number) {
  const { data, width, height } = g;
  const tw = Math.ceil(width / tile), th = Math.ceil(height / tile);
  const g2 = new Float64Array(tw * th), lap2 = new Float64Array(tw * th), s = new Float64Array(tw * th), s2 = new Float64Array(tw * th), cnt = new Float64Array(tw * th);
  for (let y = 1; y < height - 1; y++) {
    const ty = ((y / tile) | 0) * tw;
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = data[i - 1]! + data[i + 1]! + data[i - width]! + data[i + width]! - 4 * data[i]!;
      const t = ty + ((x / tile) | 0);
      const dx = data[i + 1]! - data[i]!, dy = data[i + width]! - data[i]!;
      lap2[t] = lap2[t]! + v * v; g2[t] = g2[t]! + dx * dx + dy * dy; s[t] = s[t]! + data[i]!; s2[t] = s2[t]! + data[i]! * data[i]!; cnt[t] = cnt[t]! + 1;
    }
  }
  const out: { lap: number; std: number; grad: number }[] = [];
  for (let t = 0; t < tw * th; t++) {
    if (cnt[t]! < tile * tile * 0.5) continue;
    const m = s[t]! / cnt[t]!;
    out.push({ grad: g2[t]! / cnt[t]!, lap: lap2[t]! / cnt[t]!, std: Math.sqrt(Math.max(0, s2[t]! / cnt[t]! - m * m)) });
  }
  return out;
}
const q = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))]! : 0; };

type F = (g: GrayImage) => number; // larger = sharper; NaN = no structure
const cands: Record<string, F> = { lapvar: (g) => laplacianStats(g).variance };
const ratios = (g: GrayImage) => tiles(g, 32).filter((t) => t.std >= 8 && t.grad > 0).map((t) => ({ r: Math.sqrt(t.lap / t.grad), grad: t.grad }));
// Shallow focus: a small sharp subject among soft tiles. The n-th sharpest tile, or tiles weighted by their gradient.
for (const n of [4, 8]) cands[`grad nth-sharpest ${n}`] = (g) => { const r = ratios(g).map((t) => t.r).sort((a, b) => b - a); return r.length < 3 ? NaN : r[Math.min(n, r.length) - 1]!; };
cands['grad gradient-weighted median'] = (g) => {
  const r = ratios(g).sort((a, b) => a.r - b.r);
  if (r.length < 3) return NaN;
  const half = r.reduce((s, t) => s + Math.sqrt(t.grad), 0) / 2;
  let seen = 0;
  return r.find((t) => (seen += Math.sqrt(t.grad)) >= half)!.r;
};
// Smooth art: a tile counts as structured only if it also has edges (RMS gradient ≥ 2 levels a pixel).
cands['grad min-gradient 2 p0.75'] = (g) => { const r = ratios(g).filter((t) => t.grad >= 4).map((t) => t.r); return r.length < 3 ? NaN : q(r, 0.75); };
for (const tile of [32]) for (const minStd of [4, 8]) for (const p of [0.75, 0.9]) {
  cands[`grad t${tile} s${minStd} p${p}`] = (g) => { const ts = tiles(g, tile).filter((t) => t.std >= minStd); return ts.length < 3 ? NaN : q(ts.map((t) => Math.sqrt(t.lap / t.grad)), p); };
  cands[`rel t${tile} s${minStd} p${p}`] = (g) => { const ts = tiles(g, tile).filter((t) => t.std >= minStd); return ts.length < 3 ? NaN : q(ts.map((t) => Math.sqrt(t.lap) / t.std), p); };
}

const sample = await qualitySample();
const broad = await broadSet();
const lomiri: GrayImage[][] = [];
for (const f of broad.files.filter((f) => f.kind === 'photo' && f.edit === 'original')) {
  const { pixels } = await decodeImage(join(broad.dir, f.file), { maxPixels: 200_000_000, workingSize: 512 });
  const g = analysisGrayOf(toGray(pixels.data, pixels.width, pixels.height, pixels.channels));
  const blurred = await sharp(g.data, { raw: { width: g.width, height: g.height, channels: 1 } }).blur(0.004 * Math.max(g.width, g.height)).extractChannel(0).raw().toBuffer();
  lomiri.push([g, { data: new Uint8Array(blurred), width: g.width, height: g.height }]);
}
const foldA = new Set(['opencv', 'skimage', 'darknet', 'plasma', 'lomiri-wallpapers']);
function auc(blur: number[], orig: number[]) { let w = 0; for (const b of blur) for (const o of orig) w += b < o ? 1 : b === o ? 0.5 : 0; return w / blur.length / orig.length; }
const rows: string[] = [];
for (const [name, f] of Object.entries(cands)) {
  const feats = sample.map((s) => ({ fold: foldA.has(s.source) ? 'A' : 'B', v: s.versions.map((g) => f(g)) }));
  const line = [name.padEnd(30)];
  for (const [fit, test] of [['A', 'B'], ['B', 'A']]) {
    // NaN (no structure) is never blurry.
    const val = (x: number) => (Number.isNaN(x) ? Infinity : x);
    const fitOrig = feats.filter((x) => x.fold === fit).map((x) => val(x.v[0]!));
    const thr = q(fitOrig.filter(Number.isFinite), 0.05);
    const t = feats.filter((x) => x.fold === test);
    const ff = t.filter((x) => val(x.v[0]!) < thr).length / t.length;
    const rec = [1, 2, 3].map((k) => t.filter((x) => val(x.v[k]!) < thr).length / t.length);
    const a = [1, 2, 3].map((k) => auc(t.map((x) => val(x.v[k]!)), t.map((x) => val(x.v[0]!))));
    line.push(`${fit}→${test} ff ${(ff * 100).toFixed(0).padStart(3)}% rec ${rec.map((r) => (r * 100).toFixed(0).padStart(3)).join('/')} auc ${a.map((r) => r.toFixed(2)).join('/')}`);
    if (fit === 'A') {
      const l = lomiri.map((v) => v.map((g) => val(f(g))));
      line.push(`Lomiri ff ${l.filter((v) => v[0]! < thr).length}/${l.length} rec ${l.filter((v) => v[1]! < thr).length}/${l.length}`);
    }
  }
  rows.push(line.join(' | '));
}
console.log(rows.join('\n'));
