import { isUtf8 } from 'node:buffer';
import type { Dirent } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { MediaSource, SourceEntry } from '../../ports/media-source.ts';
import { mediaKindOf } from '../media-types.ts';
import { localAnnotationRows } from './annotation-files.ts';
import { isInside } from './import-roots.ts';

const slash = Buffer.from('/');

/**
 * Every media file under a folder, depth first in byte order of names (so listing is stable and
 * resumable). Names are read as bytes, since a file name need not be valid UTF-8. Symlinked
 * files are followed only when their target stays inside the import roots; symlinked folders
 * are not followed, which also rules out cycles. A media-named entry that cannot be read as a
 * file (a FIFO, a socket, a device, a name that is not UTF-8) is a per-item failure. Annotation
 * files are read from the folder itself.
 */
export function localFolderSource(folder: string, realImportRoots: readonly string[]): MediaSource {
  const root = Buffer.from(folder);

  async function* walk(dir: Buffer): AsyncGenerator<SourceEntry> {
    const entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const e of entries) {
      const full = Buffer.concat([dir, slash, e.name]);
      if (e.isDirectory()) yield* walk(full);
      else {
        const entry = await entryFor(e, full);
        if (entry) yield entry;
      }
    }
  }

  async function entryFor(e: Dirent<Buffer>, full: Buffer): Promise<SourceEntry | null> {
    const relBytes = full.subarray(root.length + 1);
    // The extension is ASCII, so a lossy decoding still tells what kind of file this is.
    const kind = mediaKindOf(relBytes.toString('utf8'));
    if (kind === null) return null;
    if (!isUtf8(relBytes)) return unnamed(full, relBytes, kind);
    const rel = relBytes.toString('utf8');
    const path = full.toString('utf8');
    // The relative path itself is the key: with "/" as the only separator, two files never share it.
    const base = { sourceKey: rel, fileName: rel, originalUri: pathToFileURL(path).href, location: `file:${path}`, kind };
    if (e.isSymbolicLink()) {
      const target = await realpath(path).catch(() => null);
      if (target === null) return { ...base, sizeBytes: null, refused: 'broken symbolic link' };
      if (!isInside(target, realImportRoots)) return { ...base, sizeBytes: null, refused: 'symbolic link points outside the import roots' };
      const s = await stat(target);
      if (!s.isFile()) return { ...base, sizeBytes: null, refused: 'not a regular file' };
      return { ...base, location: `file:${target}`, sizeBytes: s.size };
    }
    // Only looked at, never opened: opening a FIFO blocks until something writes to it.
    if (!e.isFile()) return { ...base, sizeBytes: null, refused: 'not a regular file' };
    return { ...base, sizeBytes: (await lstat(path)).size };
  }

  return { list: () => walk(root), annotationRows: () => localAnnotationRows(folder, realImportRoots) };
}

/**
 * A file whose path is not valid UTF-8 cannot be named to the decoders, the database or a
 * client, so it is a per-item failure. Its file URI escapes every byte and keys the item:
 * a relative path never holds "//", so this key cannot equal a readable file's.
 */
function unnamed(full: Buffer, relBytes: Buffer, kind: 'image' | 'video'): SourceEntry {
  const uri = `file://${[...full].map((b) => (isUriSafe(b) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')}`;
  return {
    sourceKey: uri,
    fileName: relBytes.toString('utf8'),
    originalUri: uri,
    location: `file:${full.toString('utf8')}`,
    sizeBytes: null,
    kind,
    refused: 'the file name is not valid UTF-8: rename the file to index it',
  };
}

function isUriSafe(byte: number): boolean {
  return byte < 0x80 && /[A-Za-z0-9\-._~/]/.test(String.fromCharCode(byte));
}
