/**
 * The variants of the tile-wise sharpness that were tried, over the quality sample
 * (bench/quality/sample.ts): each fitted on one half of the sources (5th percentile of the sharp
 * originals) and scored on the other, both ways. ff = sharp originals flagged, rec = blurred
 * copies caught at σ 0.1 / 0.2 / 0.4 %. The shipped one is `grad t32 s8 p0.75`.
 *
 *   node --import tsx bench/quality/blur-candidates.ts
 */
import { laplacianStats, type GrayImage } from '../../src/media/image-metrics.ts';
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
for (const tile of [32]) for (const minStd of [4, 8]) for (const p of [0.75, 0.9]) {
  cands[`grad t${tile} s${minStd} p${p}`] = (g) => { const ts = tiles(g, tile).filter((t) => t.std >= minStd); return ts.length < 3 ? NaN : q(ts.map((t) => Math.sqrt(t.lap / t.grad)), p); };
  cands[`rel t${tile} s${minStd} p${p}`] = (g) => { const ts = tiles(g, tile).filter((t) => t.std >= minStd); return ts.length < 3 ? NaN : q(ts.map((t) => Math.sqrt(t.lap) / t.std), p); };
}

const sample = await qualitySample();
const foldA = new Set(['opencv', 'skimage', 'darknet', 'plasma', 'lomiri-wallpapers']);
function auc(blur: number[], orig: number[]) { let w = 0; for (const b of blur) for (const o of orig) w += b < o ? 1 : b === o ? 0.5 : 0; return w / blur.length / orig.length; }
const rows: string[] = [];
for (const [name, f] of Object.entries(cands)) {
  const feats = sample.map((s) => ({ fold: foldA.has(s.source) ? 'A' : 'B', v: s.versions.map((g) => f(g)) }));
  const line = [name.padEnd(22)];
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
  }
  rows.push(line.join(' | '));
}
console.log(rows.join('\n'));
