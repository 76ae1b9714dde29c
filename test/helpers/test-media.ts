import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Real photos and videos for tests and benchmarks, from Debian packages
 * (scripts/fetch-test-media.sh). The first call on a machine downloads and unpacks them
 * (~260 MB, under a minute); later calls just return the cached folder.
 */
const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const script = join(repoDir, 'scripts/fetch-test-media.sh');

let pending: Promise<string> | null = null;

export function testMediaDir(): Promise<string> {
  pending ??= ensureTestMedia().catch((error: unknown) => {
    pending = null;
    throw error;
  });
  return pending;
}

export async function photosDir(): Promise<string> {
  return join(await testMediaDir(), 'photos');
}

export async function videosDir(): Promise<string> {
  return join(await testMediaDir(), 'videos');
}

async function ensureTestMedia(): Promise<string> {
  const cacheDir = process.env.STRATA_TEST_MEDIA_DIR
    ? resolve(process.env.STRATA_TEST_MEDIA_DIR)
    : join(repoDir, '.cache/test-media');
  if (existsSync(join(cacheDir, '.complete'))) return cacheDir;
  await promisify(execFile)('bash', [script, cacheDir], {
    maxBuffer: 16 << 20,
    timeout: 15 * 60_000,
  });
  if (!existsSync(join(cacheDir, '.complete'))) {
    throw new Error(`${script} finished without completing ${cacheDir}`);
  }
  return cacheDir;
}

/**
 * Copies `count` real photos of at most `maxBytes` each into `dir` (created), in name order;
 * when there are fewer, copies again under other names. Returns the file names.
 */
export async function copySmallPhotos(dir: string, count: number, maxBytes: number): Promise<string[]> {
  const source = await photosDir();
  const candidates: string[] = [];
  for (const name of (await readdir(source)).sort()) {
    if ((await stat(join(source, name))).size <= maxBytes) candidates.push(name);
  }
  await mkdir(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; names.length < count; i++) {
    const original = candidates[i % candidates.length]!;
    const name = i < candidates.length ? original : `copy${Math.floor(i / candidates.length)}-${original}`;
    await copyFile(join(source, original), join(dir, name));
    names.push(name);
  }
  return names;
}

/**
 * The photographs among the test photos (of people, animals, objects, buildings, landscapes):
 * the other opencv and skimage test images are scans, text, digits, logos, charts, renders,
 * paintings and calibration shots, pictures of other kinds.
 */
export const photographNames: readonly string[] = [
  ...['dog', 'eagle', 'giraffe', 'horses', 'kite', 'person'].map((n) => `darknet-${n}.jpg`),
  ...['aero1.jpg', 'aloeL.jpg', 'apple.jpg', 'baboon.jpg', 'basketball1.png', 'board.jpg', 'box_in_scene.png', 'building.jpg', 'butterfly.jpg'].map((n) => `opencv-${n}`),
  ...['fruits.jpg', 'graf1.png', 'home.jpg', 'leuvenA.jpg', 'messi5.jpg', 'orange.jpg', 'rubberwhale1.png', 'squirrel_cls.jpg', 'stuff.jpg'].map((n) => `opencv-${n}`),
  ...['astronaut.png', 'chelsea.png', 'coffee.png', 'motorcycle_left.png', 'rocket.jpg'].map((n) => `skimage-${n}`),
];

/**
 * `dir` (created) holding one of opencv's sample videos twice, `Megamind_bugy.avi` and
 * `again/Megamind_bugy.avi` (9 s): each frame is identical to its copy's.
 */
export async function videoTwice(dir: string): Promise<void> {
  await mkdir(join(dir, 'again'), { recursive: true });
  const video = join(await videosDir(), 'Megamind_bugy.avi');
  await copyFile(video, join(dir, 'Megamind_bugy.avi'));
  await copyFile(video, join(dir, 'again', 'Megamind_bugy.avi'));
}
