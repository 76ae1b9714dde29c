import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';

/** `strata serve` and `strata worker`: run Strata in this process until SIGTERM/SIGINT. */
export function registerServe(program: Command, onServing: () => void): void {
  const run = (env: NodeJS.ProcessEnv) => async () => {
    const config = loadConfig(env);
    // Loaded on demand: the other commands should not pay for the media stack's start-up.
    const { serve } = await import('../../main.ts');
    await serve(config);
    onServing();
  };
  program.command('serve').description('run the API and workers (same as npm start)').action(run(process.env));
  program
    .command('worker')
    .description('run only workers (STRATA_ROLE=worker; needs PostgreSQL)')
    .action(run({ ...process.env, STRATA_ROLE: 'worker' }));
}
