import type { Command } from 'commander';
import { clientAction } from '../client-action.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { table } from '../output.ts';

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description('list the datasets you may see')
    .option('--sort <by>', 'date or name', 'date')
    .action(
      clientAction(async ({ client, out }, options: { sort: string }) => {
        if (options.sort !== 'date' && options.sort !== 'name') throw new CliError('--sort must be date or name', EXIT.USAGE);
        const datasets = await client.listDatasets({ sortBy: options.sort });
        out.result(datasets, () =>
          datasets.length === 0
            ? 'No datasets.'
            : table([['ID', 'STATUS', 'PROGRESS', 'IMAGES', 'NAME'], ...datasets.map((d) => [d.id, d.status_new, `${d.progress}%`, String(d.n_images), d.display_name])]),
        );
      }),
    );
}
