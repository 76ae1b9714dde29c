import type { Command } from 'commander';
import { addUser } from '../../app/accounts.ts';
import { loadConfig } from '../../config/config.ts';
import { roles, type Role } from '../../domain/types.ts';
import { CliError, EXIT } from '../exit-codes.ts';

export function registerUser(program: Command): void {
  const user = program.command('user').description('manage users (on the configured database, server running or not)');
  user
    .command('add')
    .description('add a user; prints it as JSON')
    .requiredOption('--email <email>', 'their email, the login name')
    .requiredOption('--password <password>', 'at least 8 characters')
    .option('--role <role>', `one of ${roles.join(', ')}`, 'editor')
    .action(async (options: { email: string; password: string; role: string }) => {
      if (!(roles as readonly string[]).includes(options.role)) throw new CliError(`--role must be one of ${roles.join(', ')}`, EXIT.USAGE);
      const { withAccounts } = await import('../accounts.ts');
      const added = await withAccounts(loadConfig(), (deps) => addUser(deps, { email: options.email, password: options.password, role: options.role as Role }));
      process.stdout.write(`${JSON.stringify({ id: added.id, email: added.email, role: added.role })}\n`);
    });
}
