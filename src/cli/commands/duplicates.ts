import type { Command } from 'commander';
import { countOf } from '../output.ts';
import { mediaName, type DuplicateGroup } from '../../client/index.ts';
import { clientAction } from '../client-action.ts';
import { CliError, EXIT } from '../exit-codes.ts';

const PAGE = 100;

export function registerDuplicates(program: Command): void {
  program
    .command('duplicates')
    .description("list a dataset's duplicate groups, largest first")
    .argument('<id>', 'dataset id')
    .option('--level <similarity>', 'similarity level from 0.96 (near duplicates) to 1 (identical); others snap up to the next level', '0.96')
    .action(
      clientAction(async ({ client, out, signal }, id: string, options: { level: string }) => {
        const threshold = Number(options.level);
        if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) throw new CliError('--level must be a number from 0 to 1', EXIT.USAGE);
        const groups: DuplicateGroup[] = [];
        let level = threshold;
        for (let page = 0; ; page++) {
          if (signal.aborted) throw signal.reason;
          const answer = await client.duplicateGroups(id, { threshold, pageNumber: page, pageSize: PAGE });
          level = answer.level;
          groups.push(...answer.groups);
          if (answer.groups.length === 0 || groups.length >= answer.total) break;
        }
        out.result({ level, groups, total: groups.length }, () =>
          groups.length === 0
            ? `No duplicates at level ${level}.`
            : groups
                .map((g, i) => {
                  const more = g.size > g.media.length ? `\n  … and ${g.size - g.media.length} more` : '';
                  return `group ${i + 1} (${countOf(g.size, 'file')})\n${g.media.map((m) => `  ${mediaName(m)}  ${m.media_id}`).join('\n')}${more}`;
                })
                .join('\n'),
        );
      }),
    );
}
