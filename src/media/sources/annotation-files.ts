import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import {
  annotationFileNames,
  cocoRowsOf,
  imageRowOf,
  objectRowOf,
  requiredColumns,
  type AnnotationRow,
  type RowRef,
} from '../../domain/annotations.ts';
import { isInside } from './import-roots.ts';
import { csvRecords } from './csv-fields.ts';

export interface LocalFile {
  path: string;
  release(): Promise<void>;
}

/**
 * Records of a table file with their row numbers (CSV: the line a record starts on; parquet:
 * 1-based row), or a row that cannot be read as a record and why.
 */
type TableRecords = AsyncIterable<{ record: Record<string, unknown>; row: number } | { reason: string; row: number }>;

async function* csvTableRecords(path: string): TableRecords {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let header: string[] | null = null;
  for await (const r of csvRecords(lines)) {
    if ('error' in r) yield { reason: r.error, row: r.line };
    else if (header === null) header = r.fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).toLowerCase());
    else yield { record: Object.fromEntries(header.map((h, i) => [h, r.fields[i]])), row: r.line };
  }
}

async function* parquetRecords(path: string): TableRecords {
  const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as Array<Record<string, unknown>>;
  for (const [i, record] of rows.entries()) yield { record: Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v])), row: i + 1 };
}

async function tableRows(path: string, file: string): Promise<AnnotationRow[]> {
  const kind = file.startsWith('object_') ? 'object' : 'image';
  const records = file.endsWith('.parquet') ? parquetRecords(path) : csvTableRecords(path);
  const rows: AnnotationRow[] = [];
  for await (const r of records) {
    const ref: RowRef = { file, row: r.row };
    if ('reason' in r) {
      rows.push({ kind: 'failure', ref, reason: r.reason });
      continue;
    }
    const { record } = r;
    const missing = requiredColumns[kind].filter((c) => !(c in record));
    if (missing.length > 0) return [{ kind: 'failure', ref: { file, row: 0 }, reason: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` }];
    rows.push(kind === 'object' ? objectRowOf(record, ref) : imageRowOf(record, ref));
  }
  return rows;
}

/**
 * Every row of the annotation files at the source's root, in file order. A file that cannot be
 * read as its format (bad JSON, a broken parquet file) is one failure, at row 0; the other files
 * are still read.
 */
export async function readAnnotationRows(open: (name: string) => Promise<LocalFile | null>): Promise<AnnotationRow[]> {
  const rows: AnnotationRow[] = [];
  for (const file of annotationFileNames) {
    const found = await open(file);
    if (found === null) continue;
    try {
      if (file.endsWith('.json')) rows.push(...cocoRowsOf(JSON.parse(await readFile(found.path, 'utf8')), file));
      else rows.push(...(await tableRows(found.path, file)));
    } catch (err) {
      if (!(err instanceof Error) || (err as NodeJS.ErrnoException).code !== undefined) throw err;
      rows.push({ kind: 'failure', ref: { file, row: 0 }, reason: `the file cannot be read as ${file.split('.').pop()!.toUpperCase()}: ${err.message}` });
    } finally {
      await found.release();
    }
  }
  return rows;
}

/** The annotation files in a local folder; one that resolves outside the import roots is not read. */
export function localAnnotationRows(dir: string, realImportRoots: readonly string[]): Promise<AnnotationRow[]> {
  return readAnnotationRows(async (name) => {
    const real = await realpath(join(dir, name)).catch(() => null);
    if (real === null || !isInside(real, realImportRoots) || !(await stat(real)).isFile()) return null;
    return { path: real, release: async () => {} };
  });
}
