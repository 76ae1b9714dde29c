import { mkdir, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { webDistDir } from '../../src/http/web.ts';

/**
 * Debian's Chromium driven by playwright-core (no browser download). Screenshots go to
 * test-results/screenshots, which CI keeps.
 */
const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotsDir = join(repoDir, 'test-results/screenshots');
const chromiumPath = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';

export const laptop = { width: 1366, height: 800 };
export const phone = { width: 390, height: 844 };

/** The pages are served from the built UI: without a build, every page test would fail obscurely. */
export async function requireWebBuild(): Promise<void> {
  if ((await readdir(webDistDir).catch(() => [])).length === 0) throw new Error('web/dist is missing: run `npm run build:web` (npm test does)');
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotsDir, { recursive: true });
  await page.screenshot({ path: join(screenshotsDir, `${name}.png`) });
}

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical violations on the page as it is now (rule id and the first few targets). */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run(document);
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.join(', ')}`);
}
