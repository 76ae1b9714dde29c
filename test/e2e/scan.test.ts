import { execFile } from 'node:child_process';
import { copyFile, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOf } from '../../src/cli/output.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { tempDir } from '../helpers/folders.ts';
import { photosDir } from '../helpers/test-media.ts';
import { testCacheDir } from '../helpers/test-cache.ts';

/**
 * `strata scan` as a user runs it: a separate process, no server started beforehand, on a real
 * folder (one wallpaper at three resolutions, a byte copy, a dark picture, a broken file). Its
 * summary, JSON and CSV are checked, and its HTML report is opened in Chromium.
 */
const bin = resolve(import.meta.dirname, '../../bin/strata.mjs');
const ELEPHANTS = ['mate-abstract-Elephants.jpg', 'mate-abstract-Elephants_3840x2160.jpg', 'mate-abstract-Elephants_5640x3172.jpg'];
let dir: string;
let out: string;
let run: { stdout: string; stderr: string };
let names: string[];

beforeAll(async () => {
  dir = await tempDir('strata-scan-src-');
  out = await tempDir('strata-scan-out-');
  const photos = await photosDir();
  names = [...ELEPHANTS, ...(await readdir(photos)).filter((n) => /^opencv-left0[1-3]|^darknet-(dog|eagle)|^skimage-(moon|coffee)/.test(n))];
  for (const n of names) await copyFile(join(photos, n), join(dir, n));
  await copyFile(join(photos, 'darknet-dog.jpg'), join(dir, 'dog-copy.jpg'));
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 3, g: 3, b: 5 } } }).jpeg().toFile(join(dir, 'night.jpg'));
  await writeFile(join(dir, 'broken.jpg'), Buffer.from('not a picture'));
  run = await scan([dir, '--report', join(out, 'report.html'), '--json', join(out, 'scan.json'), '--csv', join(out, 'scan.csv')]);
}, 600_000);

/** `strata scan` with these arguments, in its own process; rejects on a non-zero exit. */
function scan(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, STRATA_CACHE_DIR: testCacheDir, STRATA_WORKERS: '2' };
  for (const k of ['STRATA_PORT', 'STRATA_DATA_DIR', 'STRATA_IMPORT_ROOTS', 'STRATA_DATABASE_URL']) delete env[k];
  return promisify(execFile)(process.execPath, [bin, 'scan', ...args], { env, cwd: out, maxBuffer: 16 << 20 });
}

describe('strata scan', () => {
  it('prints plain progress lines when not on a terminal, then the summary', () => {
    const lines = run.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatch(/^100% summarize/);
    expect(run.stderr).not.toContain('\r');
    expect(run.stdout).toContain(`${names.length + 2} images, 0 videos (0 frames), 1 failed`);
    expect(run.stdout).toMatch(/^ {2}0\.96 +[1-9]\d* groups?, \d+ items$/m);
    expect(run.stdout).toMatch(/Dark: [1-9]/);
    // The failed file, with why: the scan's server is gone, so its errors endpoint cannot tell.
    expect(run.stdout).toMatch(/^Failed files, by reason:\n {2}[^:\n]+: broken\.jpg$/m);
    expect(run.stdout).toContain(`Report: ${join(out, 'report.html')}`);
  });

  it('writes metadata.json and a CSV with every item and its duplicate groups', async () => {
    const json = JSON.parse(await readFile(join(out, 'scan.json'), 'utf8'));
    expect(json.info).toMatchObject({ schema_version: '1.1', total_media_items: names.length + 2 });
    const groupOf = (name: string) => json.media_items.find((m: any) => m.file_name === name).duplicate_groups.find((g: any) => g.duplicate_threshold === 0.96)?.duplicate_group_id;
    expect(groupOf(ELEPHANTS[0]!)).toBeDefined();
    expect(ELEPHANTS.map(groupOf)).toEqual(ELEPHANTS.map(() => groupOf(ELEPHANTS[0]!)));
    // Outliers from confidence 0.5 (z at STRATA_OUTLIER_Z); the most isolated items below it are candidates.
    const outlierConfidences: number[] = json.media_items.flatMap((m: any) => m.metadata_items.filter((i: any) => i.type === 'issue' && i.properties.issue_type === 'outliers').map((i: any) => i.properties.confidence));
    const outliers = outlierConfidences.filter((c) => c >= 0.5).length;
    expect(run.stdout).toContain(`Outliers: ${outliers} (${countOf(outlierConfidences.length - outliers, 'candidate')})   Blurry`);
    // The other checks users know from CleanVision are counted too, as the items carry them.
    const withIssue = (type: string) => json.media_items.filter((m: any) => m.metadata_items.some((i: any) => i.type === 'issue' && i.properties.issue_type === type)).length;
    const [low, aspect, size, gray] = ['low_information', 'odd_aspect_ratio', 'odd_size', 'grayscale'].map(withIssue);
    expect(run.stdout).toContain(`\nLow information: ${low}   Odd aspect ratio: ${aspect}   Odd size: ${size}   Grayscale: ${gray}\n`);
    expect(gray).toBeGreaterThan(0);
    expect(groupOf('dog-copy.jpg')).toBe(groupOf('darknet-dog.jpg'));
    const csv = (await readFile(join(out, 'scan.csv'), 'utf8')).trim().split('\r\n');
    expect(csv[0]).toMatch(/^media_id,media_type,file_name,/);
    expect(csv).toHaveLength(names.length + 3);
  });

  it('says why, file by file, when no file could be indexed, and exits 1', async () => {
    const bad = await tempDir('strata-scan-bad-');
    await writeFile(join(bad, 'broken.jpg'), Buffer.from('not a picture'));
    await symlink(join(dir, 'darknet-dog.jpg'), join(bad, 'elsewhere.jpg'));
    const failed = await scan([bad]).then(
      () => expect.fail('scan succeeded'),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('strata: indexing failed: No valid media: all 2 files failed to index\nFailed files, by reason:\n');
    expect(failed.stderr).toMatch(/^ {2}symbolic link points outside the import roots: elsewhere\.jpg$/m);
    expect(failed.stderr).toMatch(/^ {2}[^:\n]+: broken\.jpg$/m);
    expect(failed.stderr).not.toContain('GET /api');
  }, 120_000);

  it('prints its usage for --help, and says what is wrong with an unknown option, exiting 2', async () => {
    const help = await scan(['--help']);
    expect(help.stdout).toMatch(/^strata scan <folder\|s3:\/\/bucket\/prefix\/>/);
    for (const args of [[dir, '--bogus'], [dir, '--report']]) {
      const failed = await scan(args).then(
        () => expect.fail('scan succeeded'),
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed.code).toBe(2);
      expect(failed.stderr).toMatch(/^strata: (Unknown option '--bogus'|Option '--report <value>' argument missing)/);
      expect(failed.stderr).toContain('strata scan <folder|s3://bucket/prefix/>');
      expect(failed.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('refuses a report it could not write before indexing anything, exiting 2', async () => {
    const nowhere = join(out, 'no such folder', 'scan.json');
    const failed = await scan([dir, '--json', nowhere]).then(
      () => expect.fail('scan succeeded'),
      (error: { code: number; stderr: string }) => error,
    );
    expect([failed.code, failed.stderr]).toEqual([2, `strata: cannot write ${nowhere}: ${join(out, 'no such folder')} is not a folder\n`]);
  });

  it('refuses a folder with no media in it before indexing, as it refuses a missing one (exit 2)', async () => {
    const empty = await tempDir('strata-scan-empty-');
    const failed = await scan([empty]).then(
      () => expect.fail('scan succeeded'),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe(`strata: Invalid path or no media files found at ${empty}: the folder holds no media files (see the supported types in the README)\n`);
  }, 120_000);

  describe('HTML report in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => browser?.close());

    it('shows the duplicate groups with their thumbnails and fetches nothing', async () => {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      const groups = await page.$$eval('#duplicates .group', (els) =>
        els.map((g) => ({
          names: [...g.querySelectorAll('figcaption .name')].map((n) => n.textContent).sort(),
          images: [...g.querySelectorAll('img')].map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
        })),
      );
      expect(groups.map((g) => g.names)).toEqual(expect.arrayContaining([[...ELEPHANTS].sort(), ['darknet-dog.jpg', 'dog-copy.jpg']]));
      for (const g of groups) expect(g.images.every(Boolean)).toBe(true);
      // Self-contained: the file itself, then only data: URIs.
      expect(requested.filter((u) => !u.startsWith('data:') && !u.startsWith('file:'))).toEqual([]);
      const confidences = await page.$$eval('#issues tbody tr td.num', (tds) => tds.map((td) => Number(td.textContent)));
      expect(confidences.length).toBeGreaterThan(0);
      expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
      expect(await page.$$eval('#issues tr[data-issue="dark"] td:nth-child(2)', (tds) => tds.map((t) => t.textContent))).toContain('night.jpg');
    });
  });
});
