import { mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';

/**
 * Fills `dest` with `n` JPEGs, each a variation of one of `sources` scaled to at most `side`
 * pixels: the first round as is, later rounds cropped to 80–100 %, mirrored every other round
 * and a little brighter or darker. Small pictures keep indexing 10,000 of them within minutes
 * on a small machine, and the variations make real near-duplicate groups, not byte copies.
 * Deterministic: the same call writes the same files.
 */
export async function buildVariedFolder(dest: string, sources: readonly string[], n: number, side = 480): Promise<void> {
  await mkdir(dest, { recursive: true });
  const bases: Array<{ name: string; data: Buffer; width: number; height: number }> = [];
  for (const src of sources) {
    const { data, info } = await sharp(src).rotate().resize(side, side, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 90 }).toBuffer({ resolveWithObject: true });
    bases.push({ name: basename(src, extname(src)), data, width: info.width, height: info.height });
  }
  const write = async (i: number) => {
    const base = bases[i % bases.length]!;
    const round = Math.floor(i / bases.length);
    if (round === 0) return void (await sharp(base.data).toFile(join(dest, `${base.name}.jpg`)));
    const keep = 0.8 + 0.02 * (round % 11);
    const width = Math.max(1, Math.round(base.width * keep));
    const height = Math.max(1, Math.round(base.height * keep));
    const left = Math.round(((base.width - width) * (round % 3)) / 2);
    const top = Math.round(((base.height - height) * (round % 5)) / 4);
    let img = sharp(base.data).extract({ left, top, width, height }).modulate({ brightness: 0.9 + 0.05 * (round % 5) });
    if (round % 2 === 1) img = img.flop();
    await img.jpeg({ quality: 85 }).toFile(join(dest, `v${round}-${base.name}.jpg`));
  };
  const CONCURRENCY = 4;
  for (let i = 0; i < n; i += CONCURRENCY) await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n - i) }, (_, k) => write(i + k)));
}
