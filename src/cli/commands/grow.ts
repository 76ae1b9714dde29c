import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Dataset, StrataClient } from '../../client/index.ts';
import { clientAction, type ClientContext } from '../client-action.ts';
import { summary } from '../dataset-progress.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { countOf, type Output } from '../output.ts';
import { listFiles, noteSkipped } from '../upload-plan.ts';
import { waitWithProgress } from './status.ts';

interface AddMediaOptions {
  archive?: string;
  s3Uri?: string;
  autoReindex?: boolean;
  wait?: boolean;
}

/** The add_media source the command line names: exactly one of files and folders, --archive or --s3-uri. */
async function sourceOf(paths: readonly string[], o: AddMediaOptions, out: Output): Promise<Parameters<StrataClient['addMedia']>[1]> {
  const given = (paths.length > 0 ? 1 : 0) + (o.archive !== undefined ? 1 : 0) + (o.s3Uri !== undefined ? 1 : 0);
  if (given !== 1) throw new CliError('name exactly one source: files and folders, --archive FILE or --s3-uri URI', EXIT.USAGE);
  if (o.s3Uri !== undefined) return { s3Uri: o.s3Uri };
  if (o.archive !== undefined) {
    if (!(await stat(o.archive).catch(() => null))?.isFile()) throw new CliError(`cannot read ${o.archive}: not a file`, EXIT.USAGE);
    return { archive: { name: basename(o.archive), data: await openAsBlob(o.archive) } };
  }
  const { files, skipped } = await listFiles(paths);
  noteSkipped(out, skipped);
  if (files.length === 0) throw new CliError('no files to add', EXIT.USAGE);
  return { files: await Promise.all(files.map(async (f) => ({ name: f.relativeName, data: await openAsBlob(f.path) }))) };
}

/**
 * Follows the dataset until the operation has ended. A failed or aborted addition or reindex
 * leaves the dataset browsable (READY or PARTIAL INDEX), so the operation's own status decides
 * the exit status.
 */
async function settledOperation({ client, out, signal }: ClientContext, datasetId: string, started: Record<string, unknown>): Promise<void> {
  const dataset: Dataset = await waitWithProgress(client, out, datasetId, signal);
  out.result({ ...started, dataset }, () => summary(dataset));
  const run = dataset.processing;
  if (run?.status !== 'COMPLETED') {
    throw new CliError(`${run?.operation ?? 'the operation'} ended ${run?.status ?? 'without a status'}; see \`strata tasks --dataset ${datasetId}\` (retry it with \`strata retry <task>\`)`, EXIT.FAILED);
  }
}

export function registerGrow(program: Command): void {
  program
    .command('add-media')
    .description('add media to a READY or PARTIAL INDEX dataset: files and folders, an archive, or a path the server can read')
    .argument('<dataset-id>', 'the dataset')
    .argument('[paths...]', 'files and folders (walked recursively, taking media and annotation files; hidden entries skipped), named by their paths relative to the folder given')
    .option('--archive <file>', 'one .zip, .tar or .tar.gz, unpacked by the server')
    .option('--s3-uri <uri>', 's3://bucket/prefix/, or a folder or manifest under the server\'s STRATA_IMPORT_ROOTS')
    .option('--auto-reindex', 'recompute clusters, outliers and scores when the batch ends (READY instead of PARTIAL INDEX)')
    .option('--wait', 'wait until the batch has ended, showing progress (exit 1 if it failed or was aborted)')
    .action(
      clientAction(async (ctx, datasetId: string, paths: string[], o: AddMediaOptions) => {
        const source = await sourceOf(paths, o, ctx.out);
        if ('files' in source) ctx.out.note(`Sending ${countOf(source.files.length, 'file')}…`);
        const started = await ctx.client.addMedia(datasetId, source, { autoReindex: o.autoReindex === true, signal: ctx.signal });
        if (o.wait) {
          ctx.out.note(`Task ${started.task_id}: ${countOf(started.files_received, 'file')} received; indexing…`);
          return settledOperation(ctx, datasetId, started);
        }
        ctx.out.result(started, () => `Task ${started.task_id}: ${countOf(started.files_received, 'file')} received; the dataset is READ ONLY until the batch ends. Follow it with: strata status ${datasetId} --wait`);
      }),
    );

  program
    .command('reindex')
    .description('recompute groups, clusters, outliers and uniqueness of a PARTIAL INDEX dataset (READY when done)')
    .argument('<dataset-id>', 'the dataset')
    .option('--wait', 'wait until the reindex has ended, showing progress (exit 1 if it failed or was aborted)')
    .action(
      clientAction(async (ctx, datasetId: string, o: { wait?: boolean }) => {
        const started = await ctx.client.reindex(datasetId);
        if (o.wait) return settledOperation(ctx, datasetId, started);
        ctx.out.result(started, () => `Task ${started.task_id}: reindexing. Follow it with: strata status ${datasetId} --wait`);
      }),
    );
}
