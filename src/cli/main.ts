import { parseArgs } from 'node:util';
import { addUser, createApiCredentialsFor } from '../app/accounts.ts';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { roles, type Role } from '../domain/types.ts';
import { DomainError } from '../domain/errors.ts';
import { createAccountsContainer } from '../container.ts';

const USAGE = `strata — visual datasets service

  strata serve                                   run the API and workers (same as npm start)
  strata worker                                  run only workers (STRATA_ROLE=worker; needs PostgreSQL)
  strata user add --email E --password P [--role admin|editor|viewer]
  strata credentials create --email E            print a new API key pair as JSON

Configuration comes from STRATA_* environment variables (see README).`;

/** Account commands work on the configured store directly, with or without a running server. */
async function withAccounts<T>(config: Config, fn: (deps: Parameters<typeof addUser>[0]) => Promise<T>): Promise<T> {
  const deps = await createAccountsContainer(config);
  try {
    return await fn(deps);
  } finally {
    await deps.store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const config = loadConfig(command === 'worker' ? { ...process.env, STRATA_ROLE: 'worker' } : process.env);
  if (command === 'serve' || command === 'worker' || command === undefined) {
    // Loaded on demand: account commands should not pay for the media stack's start-up.
    const { serve } = await import('../main.ts');
    await serve(config);
    return -1; // keep running
  }
  if (command === 'user' && sub === 'add') {
    const { values } = parseArgs({ args: rest, options: { email: { type: 'string' }, password: { type: 'string' }, role: { type: 'string', default: 'editor' } } });
    if (!values.email || !values.password) throw new DomainError('BAD_REQUEST', 'user add needs --email and --password');
    if (!(roles as readonly string[]).includes(values.role!)) throw new DomainError('BAD_REQUEST', `--role must be one of ${roles.join(', ')}`);
    const user = await withAccounts(config, (deps) => addUser(deps, { email: values.email!, password: values.password!, role: values.role as Role }));
    process.stdout.write(`${JSON.stringify({ id: user.id, email: user.email, role: user.role })}\n`);
    return 0;
  }
  if (command === 'credentials' && sub === 'create') {
    const { values } = parseArgs({ args: rest, options: { email: { type: 'string' } } });
    if (!values.email) throw new DomainError('BAD_REQUEST', 'credentials create needs --email');
    const creds = await withAccounts(config, (deps) => createApiCredentialsFor(deps, values.email!));
    process.stdout.write(`${JSON.stringify({ api_key: creds.api_key, api_secret: creds.api_secret })}\n`);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return command === 'help' || command === '--help' ? 0 : 2;
}

try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (err) {
  if (err instanceof ConfigError || err instanceof DomainError) {
    process.stderr.write(`strata: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
