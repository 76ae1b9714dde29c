import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DomainError } from '../../domain/errors.ts';
import type { MediaSource, SourceEntry } from '../../ports/media-source.ts';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { mediaKindOf } from '../media-types.ts';
import { localAnnotationRows } from './annotation-files.ts';
import { csvFields } from './csv-fields.ts';
import { isInside } from './import-roots.ts';

const PATH_COLUMNS = ['path', 'file', 'filename', 'file_name', 'uri', 'url'];

/**
 * The file references in a manifest's lines: every non-blank, non-`#` line of a .txt, or the
 * path column (by header name, else the first column) of a .csv. Shared by local and S3 manifests.
 */
export async function* manifestRefs(lines: AsyncIterable<string>, isCsv: boolean): AsyncGenerator<{ ref: string; lineNo: number }> {
  let lineNo = 0;
  let column = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let ref = line;
    if (isCsv) {
      const fields = csvFields(line);
      if (lineNo === 1) {
        const header = PATH_COLUMNS.map((c) => fields.map((f) => f.toLowerCase()).indexOf(c)).find((i) => i >= 0);
        if (header !== undefined) {
          column = header;
          continue;
        }
      }
      ref = fields[column] ?? '';
      if (ref === '') continue;
    }
    yield { ref, lineNo };
  }
}

/**
 * The file references of a .parquet manifest: its path column (by name, else the first string
 * column), one per row, numbered from 1.
 */
export async function* parquetManifestRefs(path: string): AsyncGenerator<{ ref: string; lineNo: number }> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as Array<Record<string, unknown>>;
  } catch (err) {
    throw manifestReadError(err);
  }
  const names = Object.keys(rows[0] ?? {});
  const column = PATH_COLUMNS.map((c) => names.find((n) => n.toLowerCase() === c)).find((n) => n !== undefined) ?? names.find((n) => typeof rows[0]![n] === 'string');
  if (column === undefined) return;
  for (const [i, row] of rows.entries()) {
    const ref = typeof row[column] === 'string' ? row[column].trim() : '';
    if (ref !== '') yield { ref, lineNo: i + 1 };
  }
}

/** Refuses, before a dataset is made from it, a .parquet manifest whose footer cannot be read. */
export async function checkParquetManifest(path: string): Promise<void> {
  try {
    await parquetMetadataAsync(await asyncBufferFromFile(path));
  } catch (err) {
    throw manifestReadError(err);
  }
}

export function isManifestPath(path: string): boolean {
  return /\.(txt|csv|parquet)$/i.test(path);
}

/** A manifest that is not what its name says (a broken parquet file) is the client's 400; a fault of the disk stays as it is. */
function manifestReadError(err: unknown): unknown {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === undefined ? new DomainError('BAD_REQUEST', `The manifest cannot be read: ${err.message}`) : err;
}

export const isParquetPath = (path: string): boolean => /\.parquet$/i.test(path);

/**
 * A .txt (one path or file:// URI per line), .csv (a path column, else the first column) or
 * .parquet (a path column, else the first string column) listing media files. Relative paths
 * are relative to the manifest's folder; every file must resolve inside the import roots, or it
 * is a per-item failure. Annotation files are read from the manifest's folder.
 */
export function manifestSource(manifestPath: string, realImportRoots: readonly string[]): MediaSource {
  const isCsv = /\.csv$/i.test(manifestPath);
  const refs = () => (isParquetPath(manifestPath) ? parquetManifestRefs(manifestPath) : manifestRefs(createInterface({ input: createReadStream(manifestPath), crlfDelay: Infinity }), isCsv));
  const baseDir = dirname(manifestPath);

  async function entryFor(ref: string, lineNo: number): Promise<SourceEntry | null> {
    const kind = mediaKindOf(ref);
    const base = { sourceKey: `line:${lineNo}`, fileName: ref, originalUri: ref };
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref) && !ref.startsWith('file://')) {
      return { ...base, location: `file:${ref}`, sizeBytes: null, kind: kind ?? 'image', refused: `unsupported URI scheme in manifest: ${ref.split('://')[0]}` };
    }
    if (kind === null) return null;
    let path: string;
    try {
      path = ref.startsWith('file://') ? fileURLToPath(ref) : isAbsolute(ref) ? ref : resolve(baseDir, ref);
    } catch {
      return { ...base, location: `file:${ref}`, sizeBytes: null, kind, refused: 'invalid file URI' };
    }
    const real = await realpath(path).catch(() => null);
    const entry = { ...base, originalUri: pathToFileURL(path).href, kind };
    if (real === null) return { ...entry, location: `file:${path}`, sizeBytes: null, refused: 'file not found' };
    if (!isInside(real, realImportRoots)) return { ...entry, location: `file:${path}`, sizeBytes: null, refused: 'path is outside the import roots' };
    const s = await stat(real);
    if (!s.isFile()) return { ...entry, location: `file:${real}`, sizeBytes: null, refused: 'not a regular file' };
    return { ...entry, location: `file:${real}`, sizeBytes: s.size };
  }

  return {
    async *list() {
      for await (const { ref, lineNo } of refs()) {
        const entry = await entryFor(ref, lineNo);
        if (entry) yield entry;
      }
    },
    annotationRows: () => localAnnotationRows(baseDir, realImportRoots),
  };
}
