import type { Command } from 'commander';
import { clientAction } from '../client-action.ts';

export function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('delete a dataset with its media, derivatives and vectors')
    .argument('<id>', 'dataset id')
    .action(
      clientAction(async ({ client, out }, id: string) => {
        const result = await client.deleteDataset(id);
        out.result(result, () => `Deleted ${id}.`);
      }),
    );
}
