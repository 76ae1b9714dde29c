import type { Command } from 'commander';
import { createApiCredentialsFor } from '../../app/accounts.ts';
import { loadConfig } from '../../config/config.ts';

export function registerCredentials(program: Command): void {
  program
    .command('credentials')
    .description('manage API key pairs (on the configured database, server running or not)')
    .command('create')
    .description('print a new API key pair for a user as JSON (the secret is shown once)')
    .requiredOption('--email <email>', 'the user the key acts as')
    .action(async (options: { email: string }) => {
      const { withAccounts } = await import('../accounts.ts');
      const creds = await withAccounts(loadConfig(), (deps) => createApiCredentialsFor(deps, options.email));
      process.stdout.write(`${JSON.stringify({ api_key: creds.api_key, api_secret: creds.api_secret })}\n`);
    });
}
