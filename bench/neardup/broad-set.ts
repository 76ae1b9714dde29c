/**
 * The broad near-duplicate set: pictures of five kinds from sixteen Debian packages
 * (scripts/fetch-neardup-media.sh), each original with the everyday edits of the first
 * labelled set (labelled-set.ts EDITS). Every source package is either `fit` (the calibration
 * may look at it) or `held-out` (only ever scored): the documented figures are the held-out
 * ones, per kind.
 *
 *   node --import tsx bench/neardup/broad-set.ts      # prints the folder and counts
 *
 * Built once per VERSION under .cache/neardup-set/broad-<VERSION>/ like the first set.
 *
 * Originals are kept as they are shipped, transparency included (icons, clipart, some
 * wallpapers): PNG edits keep the alpha channel, JPEG edits put the picture on white, as
 * editors and converters do. SVGs are rendered at MAX_SIDE. Byte-identical sources count once.
 *
 * Hard negatives come with the packages: GNOME's light and dark variants of one design,
 * Oxygen's and GNOME's icons that differ only in an emblem or a mouth, Tux Paint's starters and their `-back`
 * backgrounds, screenshots of one program in several states, Neverball's level shots, a game's
 * textures of one style.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, extname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { fmt, repoDir } from '../lib.ts';
import { truePairs } from './evaluate.ts';
import { EDITS, MAX_SIDE, applyEdit, encode, prng, shuffle, type LabelledFile } from './labelled-set.ts';

export const kinds = ['photo', 'wallpaper', 'clipart', 'screenshot', 'texture'] as const;
export type Kind = (typeof kinds)[number];
export type Split = 'fit' | 'held-out';

interface Source {
  pkg: string;
  kind: Kind;
  split: Split;
  /** Relative to the package's root. */
  match: RegExp;
  /** At most this many originals, drawn by the PRNG. */
  max: number;
  /** Figures translated into many languages: one file per name. */
  onePerName?: boolean;
}

/** Debian Edu themes: the wallpaper once (as desktop-base), and the boot screen's logos on transparent. */
const edu = /wallpaper\/contents\/images\/1920x1080\.svg$|plymouth\/themes\/[^/]+\/(logo\+emerald|glow)\.png$/;

/**
 * Photos are fitted on the first labelled set (opencv, skimage, darknet, Plasma, MATE); the
 * other kinds on one or two packages each. Keep in step with scripts/fetch-neardup-media.sh.
 */
export const sources: readonly Source[] = [
  { pkg: 'lomiri-wallpapers-16.04', kind: 'photo', split: 'held-out', match: /^usr\/share\/backgrounds\/[^/]+\.jpg$/, max: 24 },
  { pkg: 'lomiri-wallpapers-20.04', kind: 'photo', split: 'held-out', match: /^usr\/share\/backgrounds\/[^/]+\.jpg$/, max: 24 },
  // One picture per theme: the other files of a theme (sizes, lock screen, login, boot) are
  // the same picture rendered again, some with a logo added: copies, not other pictures.
  { pkg: 'desktop-base', kind: 'wallpaper', split: 'fit', match: /-theme\/wallpaper\/contents\/images\/1920x1080\.(svg|png)$/, max: 30 },
  { pkg: 'gnome-backgrounds', kind: 'wallpaper', split: 'fit', match: /^usr\/share\/backgrounds\/gnome\/[^/]+\.(webp|svg)$/, max: 30 },
  { pkg: 'ukui-wallpapers', kind: 'wallpaper', split: 'held-out', match: /^usr\/share\/backgrounds\/[^/]+\.(png|jpg)$/, max: 24 },
  { pkg: 'sway-backgrounds', kind: 'wallpaper', split: 'held-out', match: /Sway_Wallpaper_Blue_(1920x1080|768x1024_Portrait)\.png$/, max: 24 },
  { pkg: 'debian-edu-artwork-emerald', kind: 'wallpaper', split: 'held-out', match: edu, max: 12 },
  { pkg: 'debian-edu-artwork-spacefun', kind: 'wallpaper', split: 'held-out', match: edu, max: 12 },
  { pkg: 'oxygen-icon-theme', kind: 'clipart', split: 'fit', match: /^usr\/share\/icons\/oxygen\/base\/256x256\/.*\.png$/, max: 40 },
  { pkg: 'gnome-icon-theme', kind: 'clipart', split: 'held-out', match: /^usr\/share\/icons\/gnome\/256x256\/.*\.png$/, max: 30 },
  { pkg: 'tuxpaint-data', kind: 'clipart', split: 'held-out', match: /^usr\/share\/tuxpaint\/starters\/[^/]+\.(png|svg)$/, max: 20 },
  { pkg: 'gnome-user-docs', kind: 'screenshot', split: 'fit', match: /^usr\/share\/help\/[^/]+\/[^/]+\/figures\/[^/]+\.png$/, max: 40, onePerName: true },
  { pkg: 'tuxpaint-data', kind: 'screenshot', split: 'held-out', match: /^usr\/share\/doc\/tuxpaint-data\/html\/images\/[^/]+\.(png|jpg)$/, max: 20 },
  { pkg: 'frozen-bubble-data', kind: 'screenshot', split: 'held-out', match: /^usr\/share\/games\/frozen-bubble\/gfx\/[^/]+\.png$/, max: 12 },
  { pkg: 'neverball-data', kind: 'screenshot', split: 'held-out', match: /^usr\/share\/games\/neverball\/shot-(easy|medium)\/[^/]+\.jpg$/, max: 16 },
  { pkg: 'colobot-common-textures', kind: 'texture', split: 'fit', match: /^usr\/share\/games\/colobot\/textures\/.*\.png$/, max: 40 },
  { pkg: 'mypaint-data-extras', kind: 'texture', split: 'held-out', match: /\.png$/, max: 24 },
];

export interface BroadFile extends LabelledFile {
  /** The Debian package the original comes from: the unit of held-out evaluation. */
  source: string;
  kind: Kind;
  split: Split;
}

export interface BroadSet {
  dir: string;
  files: BroadFile[];
}

const VERSION = 'v1';
const MIN_SIDE = 200;

export async function broadSet(options: { cacheRoot?: string; log?: (line: string) => void } = {}): Promise<BroadSet> {
  const root = options.cacheRoot ?? join(repoDir, '.cache/neardup-set');
  const final = join(root, `broad-${VERSION}`);
  if (!existsSync(join(final, '.complete'))) {
    const log = options.log ?? (() => {});
    const started = performance.now();
    log(`broad neardup set: building ${final} …`);
    const temp = `${final}.tmp`;
    await rm(temp, { recursive: true, force: true });
    await mkdir(join(temp, 'images'), { recursive: true });
    const files = await build(join(temp, 'images'));
    await writeFile(join(temp, 'manifest.json'), JSON.stringify({ version: VERSION, files }, null, 1));
    await writeFile(join(temp, '.complete'), '');
    await rm(final, { recursive: true, force: true });
    await rename(temp, final);
    log(`broad neardup set: built ${files.length} files in ${fmt((performance.now() - started) / 1000)} s`);
  }
  const manifest = JSON.parse(await readFile(join(final, 'manifest.json'), 'utf8')) as { files: BroadFile[] };
  return { dir: join(final, 'images'), files: manifest.files };
}

/** Only the files of the given split (a set of its own: groups never cross packages). */
export function splitOf(set: BroadSet, split: Split): BroadSet {
  return { dir: set.dir, files: set.files.filter((f) => f.split === split) };
}

export function mediaRoot(): string {
  return execFileSync('bash', [join(repoDir, 'scripts/fetch-neardup-media.sh')], { encoding: 'utf8' }).trim();
}

interface Original {
  source: Source;
  path: string;
  group: string;
}

async function originals(): Promise<Original[]> {
  const root = join(mediaRoot(), 'root');
  const out: Original[] = [];
  const seenBytes = new Set<string>();
  for (const source of sources) {
    const pkgRoot = join(root, source.pkg);
    const candidates = (await listFiles(pkgRoot)).map((p) => relative(pkgRoot, p)).filter((p) => source.match.test(p)).sort();
    const names = new Set<string>();
    const kept: string[] = [];
    for (const rel of candidates) {
      if (source.onePerName && names.has(basename(rel))) continue;
      const path = join(pkgRoot, rel);
      const hash = createHash('sha256').update(await readFile(path)).digest('hex');
      if (seenBytes.has(hash)) continue;
      const meta = await sharp(path).metadata().catch(() => null);
      if (meta === null || Math.min(meta.width ?? 0, meta.height ?? 0) < MIN_SIDE) continue;
      seenBytes.add(hash);
      names.add(basename(rel));
      kept.push(rel);
    }
    for (const rel of shuffle(kept, prng(`${source.pkg}:${source.kind}`)).slice(0, source.max).sort()) {
      // The extension stays in the name: a package may ship one picture as both .jpg and .png.
      const stem = rel.replace(/[^a-zA-Z0-9-]+/g, '_').slice(-60);
      out.push({ source, path: join(pkgRoot, rel), group: `${source.pkg}--${stem}` });
    }
  }
  return out;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function build(dir: string): Promise<BroadFile[]> {
  const all = await originals();
  const results: BroadFile[][] = new Array(all.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < all.length; i = next++) results[i] = await buildGroup(dir, all[i]!);
  };
  await Promise.all(Array.from({ length: availableParallelism() }, worker));
  return results.flat();
}

async function buildGroup(dir: string, o: Original): Promise<BroadFile[]> {
  const rng = prng(o.group);
  const meta = await sharp(o.path).metadata();
  const ext = meta.hasAlpha || extname(o.path).toLowerCase() !== '.jpg' ? 'png' : 'jpg';
  const original = await encode(await normalised(o.path, meta), ext, 92);
  const files: BroadFile[] = [];
  const write = async (edit: string, fileExt: string, data: Buffer) => {
    const file = `${o.group}__${edit}.${fileExt}`;
    await writeFile(join(dir, file), data);
    files.push({ file, group: o.group, edit, source: o.source.pkg, kind: o.source.kind, split: o.source.split });
  };
  await write('original', ext, original);
  for (const edit of EDITS) {
    const out = await applyEdit(edit, original, ext, rng);
    await write(edit, out.ext, out.data);
  }
  return files;
}

/** Upright, at most MAX_SIDE, transparency kept; SVGs rendered at that size. */
async function normalised(path: string, meta: sharp.Metadata): Promise<Sharp> {
  const longest = Math.max(meta.width ?? 1, meta.height ?? 1);
  const density = meta.format === 'svg' ? Math.min(2400, (72 * MAX_SIDE) / longest) : undefined;
  return sharp(path, density ? { density } : {})
    .rotate()
    .resize(MAX_SIDE, MAX_SIDE, { fit: 'inside', withoutEnlargement: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const set = await broadSet({ log: console.log });
  console.log(set.dir);
  for (const split of ['fit', 'held-out'] as const) {
    for (const kind of kinds) {
      const sub = { dir: set.dir, files: set.files.filter((f) => f.split === split && f.kind === kind) };
      const pkgs = [...new Set(sub.files.map((f) => f.source))].join(', ');
      console.log(`${split} ${kind}: ${sub.files.length} files, ${new Set(sub.files.map((f) => f.group)).size} originals, ${truePairs(sub).length} true pairs (${pkgs})`);
    }
  }
}
