import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { ParquetWriter, fileWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { ExportItem } from './export-items.ts';
import { flatColumns, flatRowOf, type FlatRow } from './flat-row.ts';
import { metadataItemJson, type ExportInfo } from './metadata.ts';

/** A metadata file written a page of items at a time, so that no export is ever held whole in memory. */
export interface MetadataFile {
  add(items: readonly ExportItem[]): Promise<void>;
  finish(): Promise<void>;
}

async function write(out: WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

async function close(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'close');
}

/** metadata.json (SPEC §9): the info header, then one media item per line. */
export function jsonMetadataFile(path: string, info: ExportInfo): MetadataFile {
  const out = createWriteStream(path);
  let first = true;
  const opened = write(out, `{"info": ${JSON.stringify(info)},\n"media_items": [\n`);
  return {
    async add(items) {
      await opened;
      for (const x of items) {
        await write(out, `${first ? '' : ',\n'}${JSON.stringify(metadataItemJson(x))}`);
        first = false;
      }
    },
    async finish() {
      await opened;
      await write(out, '\n]}\n');
      await close(out);
    },
  };
}

const columnsOf = (rows: readonly FlatRow[]) =>
  flatColumns.map((c) => ({ name: c.name, type: c.type, nullable: c.name !== 'media_id', data: rows.map((r) => r[c.name] ?? null) }));

/** metadata.parquet: the flat rows, one row group per page; the info header as key-value metadata. */
export function parquetMetadataFile(path: string, info: ExportInfo): MetadataFile {
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: schemaFromColumnData({ columnData: columnsOf([]) }),
    kvMetadata: [{ key: 'strata.info', value: JSON.stringify(info) }],
    createdBy: 'strata',
  });
  return {
    async add(items) {
      if (items.length === 0) return;
      await writer.write({ columnData: columnsOf(items.map(flatRowOf)), rowGroupSize: items.length });
    },
    async finish() {
      await writer.finish();
    },
  };
}

/**
 * One CSV field, RFC 4180 quoted. Text a spreadsheet would run as a formula when the file is
 * opened (starting with =, +, -, @, a tab or a carriage return: a file named
 * `=HYPERLINK(…).jpg`) gets a leading single quote, as OWASP advises for CSV injection;
 * numbers are written as they are.
 */
export function csvField(v: string | number | bigint | null): string {
  if (v === null) return '';
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The flat rows as CSV with a header line (RFC 4180 quoting). */
export function csvMetadataFile(path: string): MetadataFile {
  const out = createWriteStream(path);
  const opened = write(out, `${flatColumns.map((c) => c.name).join(',')}\r\n`);
  return {
    async add(items) {
      await opened;
      for (const x of items) {
        const row = flatRowOf(x);
        await write(out, `${flatColumns.map((c) => csvField(row[c.name] ?? null)).join(',')}\r\n`);
      }
    },
    async finish() {
      await opened;
      await close(out);
    },
  };
}
