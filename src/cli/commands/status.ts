import type { Command } from 'commander';
import type { Dataset, StrataClient } from '../../client/index.ts';
import { clientAction } from '../client-action.ts';
import { progressDisplay, settledOrThrow, summary } from '../dataset-progress.ts';
import type { Output } from '../output.ts';

/** Follows the dataset until it settles, drawing its progress. */
export async function waitWithProgress(client: StrataClient, out: Output, id: string, signal: AbortSignal): Promise<Dataset> {
  const display = progressDisplay(out);
  try {
    return await client.waitForStatus(id, { onProgress: (d) => display.update(d), signal });
  } finally {
    display.stop();
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description("show a dataset's status; with --wait, follow it until READY, PARTIAL INDEX or ERROR")
    .argument('<id>', 'dataset id')
    .option('--wait', 'wait until it settles, showing progress (exit 1 if it ends in ERROR)')
    .action(
      clientAction(async ({ client, out, signal }, id: string, options: { wait?: boolean }) => {
        const dataset = options.wait ? await waitWithProgress(client, out, id, signal) : await client.getDataset(id, { signal });
        out.result(dataset, () => summary(dataset));
        if (options.wait) settledOrThrow(dataset);
      }),
    );
}
