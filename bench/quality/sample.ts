/**
 * The calibration sample of the quality measures: every real picture of the test media
 * (scripts/fetch-test-media.sh) and of bench/quality/fetch-images.sh, each as the 512 px gray
 * image analyze-image measures, plus Gaussian-blurred copies at σ = 0.1, 0.2 and 0.4 % of the
 * long side (as bench/blur-size.ts). Blurring happens at 2048 px on the long side (larger
 * pictures are scaled down first: the 512 px measure cannot see the difference, and blurring an
 * 8K wallpaper at full size costs seconds), then each version is JPEG-encoded at quality 92,
 * originals included, so that blur is the only difference between them.
 *
 * Built once and cached as PGM files under .cache/quality/gray/ (a few minutes on one core).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { analysisGrayOf } from '../../src/media/analyze-image.ts';
import { decodeImage } from '../../src/media/image-decode.ts';
import { toGray, type GrayImage } from '../../src/media/image-metrics.ts';
import { photoFiles, repoDir } from '../lib.ts';

export const blurShares = [0.001, 0.002, 0.004];
const blurSide = 2048;

export interface SampleImage {
  /** The file name, e.g. "mate-nature-Aqua.jpg". */
  name: string;
  file: string;
  /** The Debian package (or test-media prefix) it comes from: the unit of held-out evaluation. */
  source: string;
  /** versions[0] is the original, versions[i] the copy blurred at blurShares[i - 1]. */
  versions: GrayImage[];
}

const cacheDir = join(repoDir, '.cache/quality/gray');

export async function qualitySample(): Promise<SampleImage[]> {
  const extra = execFileSync('bash', [join(repoDir, 'bench/quality/fetch-images.sh')], { encoding: 'utf8' }).trim();
  const extraDir = join(extra, 'images');
  const files = [...(await photoFiles()), ...readdirSync(extraDir).sort().map((n) => join(extraDir, n))];
  const sample: SampleImage[] = [];
  for (const file of files) {
    const name = basename(file);
    sample.push({ name, file, source: sourceOf(name), versions: await sampleVersions(file) });
  }
  return sample;
}

/** The original and its blurred copies of any picture, made and cached as the sample's are. */
export async function sampleVersions(file: string): Promise<GrayImage[]> {
  mkdirSync(cacheDir, { recursive: true });
  const versions: GrayImage[] = [];
  for (let v = 0; v <= blurShares.length; v++) {
    const cached = join(cacheDir, `${basename(file)}.${v}.pgm`);
    if (!existsSync(cached)) writeFileSync(cached, toPgm(await grayVersion(file, v)));
    versions.push(fromPgm(readFileSync(cached)));
  }
  return versions;
}

/** "plasma-Kite-…" → plasma, "gnome-backgrounds-…" → gnome-backgrounds. */
function sourceOf(name: string): string {
  const m = /^(gnome-backgrounds|ukui-wallpapers|lomiri-wallpapers|desktop-base|[a-z0-9]+)-/.exec(name);
  return m ? m[1]! : name;
}

async function grayVersion(file: string, version: number): Promise<GrayImage> {
  let img = sharp(file).rotate().resize(blurSide, blurSide, { fit: 'inside', withoutEnlargement: true });
  if (version > 0) {
    const { info } = await img.clone().raw().toBuffer({ resolveWithObject: true });
    img = sharp(await img.toBuffer()).blur(Math.max(0.3, blurShares[version - 1]! * Math.max(info.width, info.height)));
  }
  const contents = await img.flatten({ background: '#808080' }).jpeg({ quality: 92 }).toBuffer();
  const { pixels } = await decodeImage(file, { maxPixels: 200_000_000, workingSize: 512, contents });
  return analysisGrayOf(toGray(pixels.data, pixels.width, pixels.height, pixels.channels));
}

function toPgm(g: GrayImage): Buffer {
  return Buffer.concat([Buffer.from(`P5\n${g.width} ${g.height}\n255\n`), g.data]);
}

function fromPgm(b: Buffer): GrayImage {
  const m = /^P5\n(\d+) (\d+)\n255\n/.exec(b.subarray(0, 40).toString('latin1'))!;
  return { width: Number(m[1]), height: Number(m[2]), data: new Uint8Array(b.subarray(m[0].length)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sample = await qualitySample();
  const bySource = new Map<string, number>();
  for (const s of sample) bySource.set(s.source, (bySource.get(s.source) ?? 0) + 1);
  console.log(`${sample.length} images:`, Object.fromEntries(bySource));
}
