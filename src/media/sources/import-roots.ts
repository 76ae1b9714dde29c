import { realpath } from 'node:fs/promises';
import { isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../../domain/errors.ts';

export function isInside(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
}

/** The import roots with symlinks resolved, so containment checks compare real paths. */
export async function realRoots(roots: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const r of roots) {
    const real = await realpath(r).catch(() => null);
    if (real !== null) out.push(real);
  }
  return out;
}

/**
 * Whether a real path lies inside the import roots, for the check every item's read repeats.
 * The roots' own real paths are resolved again at most every `maxAgeMs` (resolving them for
 * each file cost the API process ~0.5 ms per image), and at once when a path falls outside
 * them, so a root that has just appeared or been re-pointed is seen without waiting.
 */
export function importRootsCheck(roots: readonly string[], maxAgeMs = 5_000): (realPath: string) => Promise<boolean> {
  let resolved: { at: number; real: Promise<string[]> } | null = null;
  const refresh = () => (resolved = { at: Date.now(), real: realRoots(roots) }).real;
  return async (realPath) => {
    const recent = resolved !== null && Date.now() - resolved.at < maxAgeMs;
    if (isInside(realPath, await (recent ? resolved!.real : refresh()))) return true;
    return recent && isInside(realPath, await refresh());
  };
}

/**
 * Turns a client's local path or file:// URI into a real path inside an import root
 * (symlinks resolved), or refuses it with a 400 that says what to do.
 */
export async function resolveImportPath(input: string, roots: readonly string[]): Promise<string> {
  if (roots.length === 0) {
    throw new DomainError('BAD_REQUEST', 'Local paths are not allowed: set STRATA_IMPORT_ROOTS to the folders Strata may read from');
  }
  let path = input;
  if (input.startsWith('file://')) {
    try {
      path = fileURLToPath(input);
    } catch {
      throw new DomainError('BAD_REQUEST', `Invalid file URI: ${input}`);
    }
  }
  if (!isAbsolute(path) || path.includes('\0')) {
    throw new DomainError('BAD_REQUEST', `A local path must be absolute: ${input}`);
  }
  const real = await realpath(path).catch(() => null);
  if (real === null) throw new DomainError('BAD_REQUEST', `Invalid path or no media files found at ${input}`);
  if (!isInside(real, await realRoots(roots))) {
    throw new DomainError('BAD_REQUEST', `Path ${input} is outside the import roots (STRATA_IMPORT_ROOTS)`);
  }
  return real;
}
