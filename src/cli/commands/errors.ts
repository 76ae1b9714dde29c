import type { Command } from 'commander';
import type { ItemFailure } from '../../client/index.ts';
import { clientAction } from '../client-action.ts';
import { countOf, table } from '../output.ts';

const PAGE = 1000;

export function registerErrors(program: Command): void {
  program
    .command('errors')
    .description("list a dataset's per-item failures: file, stage and reason")
    .argument('<id>', 'dataset id')
    .action(
      clientAction(async ({ client, out }, id: string) => {
        const all: ItemFailure[] = [];
        let total = 0;
        do {
          const page = await client.listErrors(id, { offset: all.length, limit: PAGE });
          total = page.total;
          all.push(...page.errors);
          if (page.errors.length === 0) break;
        } while (all.length < total);
        out.result({ errors: all, total }, () =>
          total === 0 ? 'No failures.' : `${table([['FILE', 'STAGE', 'REASON'], ...all.map((e) => [e.file_name, e.stage, e.reason])])}\n${countOf(total, 'failure')}`,
        );
      }),
    );
}
