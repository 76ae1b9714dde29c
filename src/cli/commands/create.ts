import type { Command } from 'commander';
import { clientAction } from '../client-action.ts';
import { settledOrThrow, summary } from '../dataset-progress.ts';
import { waitWithProgress } from './status.ts';

export function registerCreate(program: Command): void {
  program
    .command('create')
    .description("create a dataset from a path the server can read: a folder or manifest under its STRATA_IMPORT_ROOTS, or s3://bucket/prefix/")
    .argument('<name>', 'dataset name')
    .argument('<path>', 'folder, file:// URI, .txt/.csv manifest or s3:// prefix, as the server sees it')
    .option('--description <text>', 'a description')
    .option('--wait', 'wait until it is indexed, showing progress')
    .action(
      clientAction(async ({ client, out, signal }, name: string, path: string, options: { description?: string; wait?: boolean }) => {
        const { dataset_id } = await client.createDataset({ name, bucketPath: path, ...(options.description !== undefined && { description: options.description }) });
        if (options.wait) {
          out.note(`Created ${dataset_id}; indexing…`);
          const dataset = await waitWithProgress(client, out, dataset_id, signal);
          out.result(dataset, () => summary(dataset));
          return settledOrThrow(dataset);
        }
        out.result({ dataset_id }, () => `Created ${dataset_id}; follow it with: strata status ${dataset_id} --wait`);
      }),
    );
}
