/**
 * A labelled near-duplicate set, the ground truth for bench/neardup: real photos, each with
 * the everyday edits of SPEC §7 (the duplicates at similarity 0.96 are exactly these copies),
 * plus real multi-resolution wallpapers. Two files are a true duplicate pair iff they share
 * `group`.
 *
 *   node --import tsx bench/neardup/labelled-set.ts      # prints the folder and counts
 *
 * Built once per VERSION under .cache/neardup-set/<VERSION>/ (images/ + manifest.json; a
 * finished build is marked by .complete and reused). Bump VERSION whenever the recipe below
 * changes. Every random choice comes from a PRNG seeded by the group id, so a rebuild gives
 * the same pixels on the same machine (sharp/libvips and the system fonts used for the text
 * overlays may change the bytes on another machine, not the labels).
 *
 * Originals: the photos of scripts/fetch-test-media.sh, except
 *  - natural duplicates or near-copies of a kept photo, whose label would be debatable: the
 *    larger Elephants (kept: mate-abstract-Elephants.jpg), skimage chessboard_GRAY/RGB (same
 *    pixels, and the same pattern as opencv-chessboard), the second frame of the optical-flow
 *    pairs basketball and rubberwhale, the right view of the stereo pairs aloe and motorcycle,
 *    ela_modified (a tampered copy of ela_original) and imageTextR (a rotated scan of
 *    imageTextN);
 *  - synthetic flat graphics, not photos (a gradient, a palette, shape drawings, logos, a
 *    digit grid): any fingerprint collapses on them, so they would measure their flatness,
 *    not the duplicate finder;
 *  - the 10 Plasma wallpapers used as natural-only groups (below).
 * That leaves 120 originals: normalised (EXIF-oriented, longest side ≤ 1600 px, transparency
 * flattened onto mid grey, which keeps both the white-on-transparent mate abstracts and the
 * black-on-transparent horse visible, and lets every output format show the same pixels) and
 * saved as JPEG q92, or PNG when the source is PNG.
 *
 * Hard negatives kept on purpose (look-alikes that are different pictures, so separate
 * groups): the 13 opencv chessboard shots left01…left14 and opencv-chessboard;
 * Blender_Suzanne1/2 (two renders of one model from different poses); graf1/graf3 and
 * aero1/aero3 (same scene, other viewpoint); leuvenA/leuvenB (same street, other exposure and
 * framing); text_defocus/text_motion (the same page, differently blurred and framed); aloeL vs
 * aloeGT (a photo and its disparity map); the grey skimage textures brick/grass/gravel/moon;
 * the six mate abstracts (white swooshes on the same grey field).
 *
 * Natural duplicates (edit class `natural-size`), files made by someone else's tools:
 *  - Plasma wallpapers: the package's many "resolutions" are symlinks to one file (Debian
 *    dedups them), but each wallpaper ships a real thumbnail, contents/screenshot.{jpg,png}
 *    (400x250 or so, sometimes cropped to another aspect ratio by a few %). 10 wallpapers
 *    (chosen by the PRNG) are left out of the originals and form groups of their own: the
 *    full picture (normalised like an original) + its screenshot (byte copy). The other
 *    wallpapers stay originals and get their screenshot in their group.
 *  - mate Elephants: the 3840x2160 and 5640x3172 files (downscaled like an original) join the
 *    group of mate-abstract-Elephants.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { seededRandom } from '../../src/lib/seeded-random.ts';
import { fmt, repoDir } from '../lib.ts';
import { photosDir, testMediaDir } from '../../test/helpers/test-media.ts';
import { truePairs } from './evaluate.ts';

export interface LabelledFile {
  /** Name within LabelledSet.dir. */
  file: string;
  /** Copy group id: files of one group are duplicates of each other, and of nothing else. */
  group: string;
  /** Edit class, 'original' for the source of an edited group. */
  edit: string;
}

export interface LabelledSet {
  dir: string;
  files: LabelledFile[];
}

export interface LabelledSetOptions {
  /** Default <repo>/.cache/neardup-set. */
  cacheRoot?: string;
  /** Progress lines (building, built in …); silent by default. */
  log?: (line: string) => void;
}

const VERSION = 'v1';
export const MAX_SIDE = 1600;
const NATURAL_ONLY_GROUPS = 10;

/** Photos left out of the originals (see the header for why). */
const EXCLUDED = new Set([
  // natural duplicates or near-copies of a kept photo
  'mate-abstract-Elephants_3840x2160.jpg',
  'mate-abstract-Elephants_5640x3172.jpg',
  'skimage-chessboard_GRAY.png',
  'skimage-chessboard_RGB.png',
  'opencv-basketball2.png',
  'opencv-rubberwhale2.png',
  'opencv-aloeR.jpg',
  'skimage-motorcycle_right.png',
  'opencv-ela_modified.jpg',
  'opencv-imageTextR.png',
  // synthetic flat graphics
  'opencv-gradient.png',
  'skimage-green_palette.png',
  'skimage-phantom.png',
  'opencv-pic1.png',
  'opencv-pic2.png',
  'opencv-pic3.png',
  'opencv-pic4.png',
  'opencv-pic5.png',
  'opencv-pic6.png',
  'opencv-detect_blob.png',
  'opencv-digits.png',
  'opencv-LinuxLogo.jpg',
  'opencv-opencv-logo.png',
  'skimage-logo.png',
]);

/** Other real sizes of a kept photo (paths under the test-media root), by tag. */
const EXTRA_SIZES: Record<string, Natural[]> = {
  'mate-abstract-Elephants.jpg': [
    { tag: '3840x2160', path: 'root/usr/share/backgrounds/mate/abstract/Elephants_3840x2160.jpg' },
    { tag: '5640x3172', path: 'root/usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg' },
  ],
};

export async function labelledSet(options: LabelledSetOptions = {}): Promise<LabelledSet> {
  const root = options.cacheRoot ?? join(repoDir, '.cache/neardup-set');
  const final = join(root, VERSION);
  if (!existsSync(join(final, '.complete'))) {
    const log = options.log ?? (() => {});
    const started = performance.now();
    log(`neardup set: building ${final} …`);
    // Built aside and renamed, so an interrupted build never passes for a finished one (and
    // the next build clears its leftovers; two builds at once are not supported).
    const temp = join(root, `${VERSION}.tmp`);
    await rm(temp, { recursive: true, force: true });
    await mkdir(join(temp, 'images'), { recursive: true });
    const files = await build(join(temp, 'images'));
    await writeFile(join(temp, 'manifest.json'), JSON.stringify({ version: VERSION, files }, null, 1));
    await writeFile(join(temp, '.complete'), '');
    await rm(final, { recursive: true, force: true });
    await rename(temp, final);
    log(`neardup set: built ${files.length} files in ${fmt((performance.now() - started) / 1000)} s`);
  }
  const manifest = JSON.parse(await readFile(join(final, 'manifest.json'), 'utf8')) as { files: LabelledFile[] };
  return { dir: join(final, 'images'), files: manifest.files };
}

// ---------------------------------------------------------------------------------------------
// the plan: which groups, from which sources

interface Natural {
  /** Names the file: <group>__natural-size-<tag>.<ext>. */
  tag: string;
  path: string;
}

interface GroupPlan {
  group: string;
  /** The photo to normalise and edit; absent for natural-only groups. */
  original?: string;
  naturals: Natural[];
}

async function plan(): Promise<GroupPlan[]> {
  const media = await testMediaDir();
  const photos = await photosDir();
  const names = (await readdir(photos)).sort();
  // Wallpaper photos are named plasma-<Name>-<size>.<ext> by fetch-test-media.sh.
  const screenshots = new Map<string, string>();
  for (const photo of names.filter((n) => n.startsWith('plasma-'))) {
    const contents = join(media, 'root/usr/share/wallpapers', photo.slice(7).replace(/-[^-]+$/, ''), 'contents');
    const shot = (await readdir(contents)).find((f) => f.startsWith('screenshot.'));
    if (shot !== undefined) screenshots.set(photo, join(contents, shot));
  }
  const naturalOnly = new Set(shuffle([...screenshots.keys()], prng('natural-only')).slice(0, NATURAL_ONLY_GROUPS));

  return names
    .filter((photo) => !EXCLUDED.has(photo))
    .map((photo) => {
      const group = basename(photo, extname(photo));
      const shot = screenshots.get(photo);
      const naturals = (EXTRA_SIZES[photo] ?? []).map((n) => ({ tag: n.tag, path: join(media, n.path) }));
      if (shot !== undefined) naturals.push({ tag: 'screenshot', path: shot });
      if (!naturalOnly.has(photo)) return { group, original: join(photos, photo), naturals };
      return { group, naturals: [{ tag: group.replace(/^.*-/, ''), path: join(photos, photo) }, ...naturals] };
    });
}

// ---------------------------------------------------------------------------------------------
// building

async function build(dir: string): Promise<LabelledFile[]> {
  const plans = await plan();
  const results: LabelledFile[][] = new Array(plans.length);
  // A few groups at a time: libvips parallelises inside one image only partly.
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < plans.length; i = next++) results[i] = await buildGroup(dir, plans[i]!);
  };
  await Promise.all(Array.from({ length: availableParallelism() }, worker));
  return results.flat();
}

async function buildGroup(dir: string, plan: GroupPlan): Promise<LabelledFile[]> {
  const files: LabelledFile[] = [];
  const rng = prng(plan.group);
  const write = async (edit: string, ext: string, data: Buffer) => {
    const file = `${plan.group}__${edit}.${ext}`;
    await writeFile(join(dir, file), data);
    files.push({ file, group: plan.group, edit: edit.startsWith('natural-size') ? 'natural-size' : edit });
  };
  if (plan.original !== undefined) {
    const ext = extname(plan.original).toLowerCase() === '.png' ? 'png' : 'jpg';
    const original = await encode(normalised(plan.original), ext, 92);
    await write('original', ext, original);
    for (const edit of EDITS) {
      const out = await applyEdit(edit, original, ext, rng);
      await write(edit, out.ext, out.data);
    }
  }
  for (const { tag, path } of plan.naturals) {
    const ext = extname(path).toLowerCase() === '.png' ? 'png' : 'jpg';
    const { width = 0, height = 0 } = await sharp(path).metadata();
    // Small files are kept byte for byte: they are what the other tools produced.
    const data = Math.max(width, height) > MAX_SIDE ? await encode(normalised(path), ext, 92) : await readFile(path);
    await write(`natural-size-${tag}`, ext, data);
  }
  return files;
}

function normalised(path: string): Sharp {
  return sharp(path)
    .rotate()
    .flatten({ background: '#808080' })
    .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true });
}

export function encode(image: Sharp, ext: string, jpegQuality: number): Promise<Buffer> {
  return (ext === 'png' ? image.png() : image.jpeg({ quality: jpegQuality })).toBuffer();
}

// ---------------------------------------------------------------------------------------------
// the edits

export const EDITS = [
  'identical',
  'resize50',
  'resize25',
  'jpeg40',
  'webp',
  'png',
  'bright+20',
  'dark-20',
  'crop5',
  'crop10',
  'crop15',
  'rotate3',
  'caption',
  'watermark',
  'combined',
] as const;

export type Edit = (typeof EDITS)[number];

/** Pixel edits keep the original's format (JPEG q90 or PNG, transparency included), so only the edit differs. */
export async function applyEdit(edit: Edit, original: Buffer, ext: string, rng: () => number): Promise<{ data: Buffer; ext: string }> {
  const img = sharp(original);
  const { width = 0, height = 0 } = await img.metadata();
  const same = async (image: Sharp) => ({ data: await encode(image, ext, 90), ext });
  // JPEG has no alpha: a transparent original is saved on white, as most editors and converters do.
  const jpeg = async (image: Sharp, quality: number) => ({ data: await image.flatten({ background: '#ffffff' }).jpeg({ quality }).toBuffer(), ext: 'jpg' });
  switch (edit) {
    case 'identical':
      return { data: original, ext };
    case 'resize50':
      return jpeg(img.resize(Math.round(width / 2)), 85);
    case 'resize25':
      return jpeg(img.resize(Math.round(width / 4)), 85);
    case 'jpeg40':
      return jpeg(img, 40);
    case 'webp':
      return { data: await img.webp({ quality: 80 }).toBuffer(), ext: 'webp' };
    case 'png':
      return { data: await img.png().toBuffer(), ext: 'png' };
    case 'bright+20':
      return same(img.modulate({ brightness: 1.2 }));
    case 'dark-20':
      return same(img.modulate({ brightness: 0.8 }));
    case 'crop5':
    case 'crop10':
    case 'crop15':
      return same(img.extract(offCentreCrop(width, height, Number(edit.slice(4)) / 100, rng)));
    case 'rotate3':
      return same(await rotated(original, 3));
    case 'caption':
      return same(img.composite([{ input: captionBar(width, height, rng), gravity: 'south' }]));
    case 'watermark':
      return same(img.composite([{ input: watermark(width, height, rng) }]));
    case 'combined': {
      const box = offCentreCrop(width, height, 0.05, rng);
      return jpeg(img.extract(box).resize(Math.round(box.width * 0.6)).modulate({ brightness: 1.1 }), 70);
    }
  }
}

/** Removes `fraction` of the width and of the height, split unevenly between the two sides. */
function offCentreCrop(width: number, height: number, fraction: number, rng: () => number) {
  const w = Math.round(width * (1 - fraction));
  const h = Math.round(height * (1 - fraction));
  return {
    left: Math.round((width - w) * (0.2 + 0.6 * rng())),
    top: Math.round((height - h) * (0.2 + 0.6 * rng())),
    width: w,
    height: h,
  };
}

/**
 * Rotates by `degrees`, then keeps the largest centred rectangle of the original aspect ratio
 * with no background corner in it (as photo editors' "straighten" does).
 */
async function rotated(original: Buffer, degrees: number): Promise<Sharp> {
  const { data, info } = await sharp(original).rotate(degrees).raw().toBuffer({ resolveWithObject: true });
  const { width = 0, height = 0 } = await sharp(original).metadata();
  const a = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(a), Math.sin(a)];
  const scale = Math.min(width / (width * cos + height * sin), height / (width * sin + height * cos));
  // Two pixels less on each side: the rotated edges are anti-aliased against the background.
  const w = Math.floor(width * scale) - 4;
  const h = Math.floor(height * scale) - 4;
  const raw = { width: info.width, height: info.height, channels: info.channels };
  return sharp(data, { raw }).extract({ left: Math.floor((info.width - w) / 2), top: Math.floor((info.height - h) / 2), width: w, height: h });
}

/** An opaque dark bar of 10 % of the height with a white caption, as phones' share sheets add. */
function captionBar(width: number, height: number, rng: () => number): Buffer {
  const bar = Math.max(12, Math.round(height * 0.1));
  const text = `IMG_${1000 + Math.floor(rng() * 9000)} · ${pick(['Holidays', 'Family', 'Work trip', 'Garden'], rng)} 20${10 + Math.floor(rng() * 15)}`;
  return Buffer.from(
    `<svg width="${width}" height="${bar}"><rect width="100%" height="100%" fill="#1c1c1c"/>` +
      `<text x="${Math.round(bar * 0.4)}" y="${Math.round(bar * 0.7)}" font-family="sans-serif" font-size="${Math.round(bar * 0.55)}" fill="white">${text}</text></svg>`,
  );
}

/** Large semi-transparent diagonal text over the whole image, as stock-photo previews have. */
function watermark(width: number, height: number, rng: () => number): Buffer {
  const text = pick(['© SAMPLE', 'PREVIEW', '© STOCK PHOTO', 'DRAFT'], rng);
  // Bold sans glyphs are ~0.65 em wide: the text spans about 80 % of the width.
  const size = Math.round(Math.min(height * 0.35, (width * 0.8) / (0.65 * text.length)));
  return Buffer.from(
    `<svg width="${width}" height="${height}"><text x="50%" y="50%" text-anchor="middle" dominant-baseline="middle" ` +
      `transform="rotate(-20 ${width / 2} ${height / 2})" font-family="sans-serif" font-weight="bold" font-size="${size}" ` +
      `fill="white" fill-opacity="0.45" stroke="black" stroke-opacity="0.25" stroke-width="${Math.max(1, Math.round(size / 40))}">${text}</text></svg>`,
  );
}

// ---------------------------------------------------------------------------------------------
// determinism

/** seededRandom (mulberry32) seeded by a string hash (FNV-1a): one independent stream per group. */
export function prng(seed: string): () => number {
  let s = 0x811c9dc5;
  for (const ch of `${VERSION}:${seed}`) s = Math.imul(s ^ ch.charCodeAt(0), 0x01000193);
  return seededRandom(s);
}

function pick<T>(items: readonly T[], rng: () => number): T {
  return items[Math.floor(rng() * items.length)]!;
}

export function shuffle<T>(items: readonly T[], rng: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CLI

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const set = await labelledSet({ log: console.log });
  const groups = new Set(set.files.map((f) => f.group));
  console.log(set.dir);
  console.log(`files ${set.files.length}, groups ${groups.size}, true pairs ${truePairs(set).length}`);
}
