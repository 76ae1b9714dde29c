import type { Command } from 'commander';
import { mediaName, rankedScoreOf, rankedScores, type RankedScore } from '../../client/index.ts';
import { clientAction } from '../client-action.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { countOf, table } from '../output.ts';

const PAGE = 1000;
/** Every issue the media listing ranks by (uniqueness is a score, not an issue). */
const issueNames = rankedScores.filter((s) => s !== 'uniqueness');

export function registerIssues(program: Command): void {
  program
    .command('issues')
    .description("count a dataset's images per issue, or list those with one issue, most confident first")
    .argument('<id>', 'dataset id')
    .option('--type <issue>', `list the images with this issue: ${rankedScores.join(', ')}`)
    .option('--min <confidence>', 'the lowest confidence counted, from 0 to 1', '0.5')
    .action(
      clientAction(async ({ client, out, signal }, id: string, options: { type?: string; min: string }) => {
        const min = Number(options.min);
        if (!Number.isFinite(min) || min < 0 || min > 1) throw new CliError('--min must be a number from 0 to 1', EXIT.USAGE);
        if (options.type === undefined) {
          const totals = await Promise.all(issueNames.map(async (issue) => (await client.listMedia(id, { issue, minConfidence: min, pageSize: 1 })).total));
          const counts = Object.fromEntries(issueNames.map((issue, i) => [issue, totals[i]!]));
          out.result({ min, counts }, () => `${table([['ISSUE', `IMAGES AT ≥ ${min}`], ...issueNames.map((issue) => [issue, String(counts[issue])])])}`);
          return;
        }
        const type = options.type as RankedScore;
        if (!rankedScores.includes(type)) throw new CliError(`--type must be one of: ${rankedScores.join(', ')}`, EXIT.USAGE);
        const media: Array<{ media_id: string; file_name: string; confidence: number | null }> = [];
        let total = 0;
        for (let page = 0; ; page++) {
          if (signal.aborted) throw signal.reason;
          const answer = await client.listMedia(id, { issue: type, minConfidence: min, pageNumber: page, pageSize: PAGE });
          total = answer.total;
          media.push(...answer.media.map((m) => ({ media_id: m.media_id, file_name: mediaName(m), confidence: rankedScoreOf(m, type) })));
          if (answer.media.length === 0 || media.length >= total) break;
        }
        out.result({ type, min, media, total }, () =>
          total === 0
            ? `No images with ${type} at ≥ ${min}.`
            : `${table([['CONFIDENCE', 'FILE', 'MEDIA ID'], ...media.map((m) => [m.confidence?.toFixed(3) ?? '—', m.file_name, m.media_id])])}\n${countOf(total, 'image')}`,
        );
      }),
    );
}
