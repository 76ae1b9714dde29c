import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import yauzl from 'yauzl';
import type { StrataClient } from '../../client/index.ts';
import { clientAction, type ClientContext } from '../client-action.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { checkOutPath } from '../out-path.ts';
import type { Output } from '../output.ts';

const FORMATS = ['json', 'parquet', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** How often to ask whether the export is done: the server does the work, asking is cheap. */
const POLL_MS = 1000;

interface ExportOptions {
  format: string;
  out: string;
  includeImages?: boolean;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

/** Waits for the export task to finish, noting its progress; a FAILED export is an error. */
async function finished(client: StrataClient, out: Output, id: string, taskId: string, signal: AbortSignal) {
  let shown = -1;
  for (;;) {
    const status = await client.exportStatus(id, taskId);
    if (status.status === 'COMPLETED') return status;
    if (status.status === 'FAILED') throw new CliError(`export failed: ${status.result_message ?? 'no reason given'}`, EXIT.FAILED);
    if (status.progress !== shown) out.note(`exporting: ${(shown = status.progress)}%`);
    await sleep(POLL_MS, signal);
  }
}

/** Copies one entry of a zip file on disk to `dest`, streaming. */
function extractEntry(zipPath: string, entryName: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('cannot open the export'));
      let found = false;
      zip.on('error', reject);
      zip.on('end', () => (found ? undefined : reject(new CliError(`the export holds no ${entryName}`, EXIT.FAILED))));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        found = true;
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('cannot read the export'));
          pipeline(stream, createWriteStream(dest)).then(() => (zip.close(), resolve()), reject);
        });
      });
      zip.readEntry();
    });
  });
}

async function exportDataset({ client, out, signal }: ClientContext, id: string, options: ExportOptions): Promise<void> {
  if (!(FORMATS as readonly string[]).includes(options.format)) throw new CliError(`--format must be one of ${FORMATS.join(', ')}`, EXIT.USAGE);
  const format = options.format as Format;
  // Checked before the server is asked for the export, which would otherwise be made for nothing.
  await checkOutPath(options.out);
  const started = await client.exportDataset(id, { format, includeImages: options.includeImages === true });
  const status = await finished(client, out, id, started.id, signal).catch(async (err: unknown) => {
    // Ctrl-C while the server writes the zip: stop that work too, rather than leave a file
    // nobody will download taking space until it expires.
    if (signal.aborted) await client.abortTask(started.id).catch(() => undefined);
    throw err;
  });
  // Written beside the target and renamed into place: an interrupted export leaves no half file.
  const zipPath = `${options.out}.${process.pid}.zip.tmp`;
  const partPath = `${options.out}.${process.pid}.tmp`;
  try {
    await pipeline(Readable.fromWeb((await client.exportDownloadStream(id, started.id, { signal })) as import('node:stream/web').ReadableStream), createWriteStream(zipPath), { signal });
    if (options.includeImages) await rename(zipPath, options.out);
    else {
      await extractEntry(zipPath, `metadata.${format}`, partPath);
      await rename(partPath, options.out);
    }
  } finally {
    await rm(zipPath, { force: true });
    await rm(partPath, { force: true });
  }
  const result = { dataset_id: id, export_task_id: started.id, format, include_images: options.includeImages === true, out: options.out, result_message: status.result_message };
  out.result(result, () => `${status.result_message ?? 'Exported'}: ${options.out}`);
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a dataset's metadata (every item with its issues, scores, clusters and duplicate groups) to a file")
    .argument('<id>', 'dataset id')
    .option('--format <format>', 'json (metadata.json, schema 1.1), parquet (flat columns) or csv (the parquet columns)', 'json')
    .requiredOption('--out <file>', 'where to write it')
    .option('--include-images', 'write the whole export zip instead: the metadata file and images/')
    .action(clientAction<[string, ExportOptions]>(exportDataset));
}
