import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';

/**
 * The client runs in browsers: what its files load is the client itself and the import-free list
 * of issue types. The API's schemas and TypeBox come in as types only, and jose only on the first
 * API-key signature (a dynamic import), so neither is in the web UI's bundle.
 */
it('loads nothing but its own files and the issue list', async () => {
  const here = import.meta.dirname;
  const issues = '../domain/similarity/issues.ts';
  const files = (await readdir(here)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(here, f));
  const loaded = new Set<string>();
  const lazy = new Set<string>();
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/^(import|export)( type)?\b[^']*from '([^']+)'/gm)) if (m[2] === undefined && !m[3]!.startsWith('./')) loaded.add(m[3]!);
    for (const m of text.matchAll(/await import\('([^']+)'\)/g)) lazy.add(m[1]!);
  }
  expect([...loaded]).toEqual([issues]);
  expect([...lazy]).toEqual(['jose']);
  expect(await readFile(join(here, issues), 'utf8')).not.toMatch(/^import /m);
});
