import { openAsBlob } from 'node:fs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { StrataApiError, type StrataClient } from '../../client/index.ts';
import { clientAction, type ClientContext } from '../client-action.ts';
import { stateDir } from '../connection.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { countOf, type Output } from '../output.ts';
import { alreadyStored, batches, listFiles, noteSkipped, storedKey, uploadStateStore, type LocalFile, type UploadState } from '../upload-plan.ts';
import { settledOrThrow, summary } from '../dataset-progress.ts';
import { waitWithProgress } from './status.ts';

interface UploadOptions {
  batchFiles: string;
  batchMb: string;
  parallel: string;
  fresh?: boolean;
  wait?: boolean;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a whole number from 1`, EXIT.USAGE);
  return n;
}

/** The saved upload if its dataset is still a draft waiting for files; a new dataset otherwise. */
async function startOrResume(client: StrataClient, out: Output, saved: UploadState | null, base: { url: string; name: string }): Promise<{ state: UploadState; resumed: boolean }> {
  if (saved !== null) {
    const dataset = await client.getDataset(saved.datasetId).catch((err: unknown) => {
      if (err instanceof StrataApiError && err.status === 404) return null;
      throw err;
    });
    if (dataset?.status_new === 'DRAFT') return { state: saved, resumed: true };
    out.note(`The saved upload's dataset ${saved.datasetId} is gone or no longer a draft; starting again.`);
  }
  const { dataset_id } = await client.newDataset(base.name);
  const { trans_id } = await client.openTransaction(dataset_id);
  return { state: { ...base, datasetId: dataset_id, transId: trans_id }, resumed: false };
}

/** Every file the transaction holds, as storedKey()s, paged through in upload order. */
async function storedFiles(client: StrataClient, state: UploadState): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let after = 0; ; ) {
    const { files } = await client.listTransactionFiles(state.datasetId, state.transId, { after });
    if (files.length === 0) return keys;
    // Files stored before digests were kept have none: those are sent again.
    for (const f of files) if (f.sha256 !== null) keys.add(storedKey(f.file_name, f.size_bytes, f.sha256));
    after = files.at(-1)!.id;
  }
}

/** Bytes sent so far: a bar on a terminal, a line per batch otherwise, nothing with --json. */
function uploadProgress(out: Output, files: number, bytes: number) {
  let doneFiles = 0;
  let doneBytes = 0;
  const bar = out.live
    ? new cliProgress.SingleBar({ format: 'upload |{bar}| {percentage}% {files}/{total_files} files', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(bytes, 0, { files: 0, total_files: files });
  return {
    add(batch: readonly LocalFile[]) {
      doneFiles += batch.length;
      doneBytes += batch.reduce((n, f) => n + f.size, 0);
      if (bar) bar.update(doneBytes, { files: doneFiles, total_files: files });
      else out.note(`uploaded ${doneFiles}/${files} files`);
    },
    stop: () => bar?.stop(),
  };
}

async function upload({ client, connection, out, signal }: ClientContext, name: string, paths: string[], options: UploadOptions): Promise<void> {
  const maxFiles = positiveInt(options.batchFiles, '--batch-files');
  const maxBytes = positiveInt(options.batchMb, '--batch-mb') * 1024 * 1024;
  const parallel = positiveInt(options.parallel, '--parallel');
  const { files, skipped } = await listFiles(paths);
  noteSkipped(out, skipped);
  if (files.length === 0) throw new CliError('no files to upload', EXIT.USAGE);

  const store = uploadStateStore(stateDir(), { url: connection.url, name, files });
  const { state, resumed } = await startOrResume(client, out, options.fresh ? null : await store.load(), { url: connection.url, name });
  await store.save(state);
  // What the server holds is the truth: a request cut off after the server stored its files,
  // or a kill before anything was noted here, still counts them as sent.
  const already = resumed ? await alreadyStored(files, await storedFiles(client, state)) : new Set<string>();
  if (resumed) out.note(`Resuming the upload into ${state.datasetId}: ${already.size} of ${countOf(files.length, 'file')} already there.`);
  const todo = batches(files.filter((f) => !already.has(f.path)), maxFiles, maxBytes);
  let sent = 0;

  const refused: string[] = [];
  const failed: Array<{ files: number; reason: string }> = [];
  const progress = uploadProgress(out, files.length - already.size, todo.flat().reduce((n, f) => n + f.size, 0));
  async function send(batch: LocalFile[]): Promise<void> {
    try {
      const parts = await Promise.all(batch.map(async (f) => ({ name: f.relativeName, data: await openAsBlob(f.path) })));
      await client.uploadFiles(state.datasetId, state.transId, parts, { signal });
    } catch (err) {
      if (signal.aborted) throw err;
      // 400: some names were refused and the rest stored; sending them again changes nothing.
      if (!(err instanceof StrataApiError) || err.status !== 400) return void failed.push({ files: batch.length, reason: err instanceof Error ? err.message : String(err) });
      refused.push(err.message);
    }
    sent += batch.length;
    progress.add(batch);
  }
  try {
    const queue = [...todo];
    await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) await send(batch);
    }));
  } catch (err) {
    if (signal.aborted) out.note(`\nInterrupted: ${already.size + sent} of ${files.length} files are uploaded; run the same command again to resume.`);
    throw err;
  } finally {
    progress.stop();
  }
  for (const r of refused) out.note(`refused: ${r}`);
  if (failed.length > 0) {
    const missing = failed.reduce((n, f) => n + f.files, 0);
    throw new CliError(`${countOf(missing, 'file')} not uploaded (${failed[0]!.reason}); run the same command again to resume`, EXIT.FAILED);
  }

  await client.processFiles(state.datasetId, state.transId);
  await store.remove();
  const result = { dataset_id: state.datasetId, trans_id: state.transId, files: files.length, uploaded: sent, resumed: already.size, refused };
  if (options.wait) {
    out.note(`Uploaded ${countOf(result.uploaded, 'file')} to ${state.datasetId}; indexing…`);
    const dataset = await waitWithProgress(client, out, state.datasetId, signal);
    out.result({ ...result, dataset }, () => summary(dataset));
    return settledOrThrow(dataset);
  }
  out.result(result, () => `Uploaded ${countOf(result.uploaded, 'file')}${already.size > 0 ? ` (${already.size} before)` : ''} to ${state.datasetId}; indexing. Follow it with: strata status ${state.datasetId} --wait`);
}

export function registerUpload(program: Command): void {
  program
    .command('upload')
    .description('upload files and folders into a new dataset and index them; after a failure, the same command resumes')
    .argument('<name>', 'dataset name')
    .argument('<paths...>', 'files and folders (walked recursively, taking media and annotation files; hidden entries skipped), named by their paths relative to the folder given')
    .option('--batch-files <n>', 'files per request', '50')
    .option('--batch-mb <n>', 'megabytes per request (a bigger file goes alone)', '256')
    .option('--parallel <n>', 'requests at once', '4')
    .option('--fresh', 'ignore a saved unfinished upload of the same files and start a new dataset')
    .option('--wait', 'wait until the dataset is indexed, showing progress')
    .action(clientAction<[string, string[], UploadOptions]>(upload));
}
