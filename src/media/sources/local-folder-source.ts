import type { Dirent } from 'node:fs';
import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MediaSource, SourceEntry } from '../../ports/media-source.ts';
import { mediaKindOf } from '../media-types.ts';
import { isInside } from './import-roots.ts';

/**
 * Every media file under a folder, depth first in name order (so listing is stable and
 * resumable). Symlinked files are followed only when their target stays inside the import
 * roots; symlinked folders are not followed, which also rules out cycles.
 */
export function localFolderSource(folder: string, realImportRoots: readonly string[]): MediaSource {
  async function* walk(dir: string): AsyncGenerator<SourceEntry> {
    const entries: Dirent[] = [];
    for await (const e of await opendir(dir)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        yield* walk(full);
        continue;
      }
      const kind = mediaKindOf(e.name);
      if (kind === null) continue;
      const rel = relative(folder, full).split('\\').join('/');
      const base = { sourceKey: rel, fileName: rel, originalUri: pathToFileURL(full).href, kind };
      if (e.isSymbolicLink()) {
        const target = await realpath(full).catch(() => null);
        if (target === null) {
          yield { ...base, location: `file:${full}`, sizeBytes: null, refused: 'broken symbolic link' };
        } else if (!isInside(target, realImportRoots)) {
          yield { ...base, location: `file:${full}`, sizeBytes: null, refused: 'symbolic link points outside the import roots' };
        } else {
          const s = await stat(target);
          if (s.isFile()) yield { ...base, location: `file:${target}`, sizeBytes: s.size };
        }
        continue;
      }
      if (!e.isFile()) continue;
      const s = await lstat(full);
      yield { ...base, location: `file:${full}`, sizeBytes: s.size };
    }
  }
  return { list: () => walk(folder) };
}
