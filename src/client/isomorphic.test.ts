import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';

/** The client runs in browsers: its files, the schemas it reads and the list they use import no Node module. */
it('imports nothing but browser-safe modules', async () => {
  const here = import.meta.dirname;
  const shared = ['../api/schemas.ts', '../domain/similarity/issues.ts'];
  const files = [...(await readdir(here)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(here, f)), ...shared.map((f) => join(here, f))];
  const imported = new Set<string>();
  for (const file of files) for (const m of (await readFile(file, 'utf8')).matchAll(/^(?:import|export)\b[^']*from '([^']+)'/gm)) imported.add(m[1]!);
  const outside = [...imported].filter((m) => !m.startsWith('./') && !shared.includes(m));
  expect(outside.sort()).toEqual(['@sinclair/typebox', 'jose']);
});
