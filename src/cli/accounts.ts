import type { AccountDeps } from '../app/accounts.ts';
import type { Config } from '../config/config.ts';
import { createAccountsContainer } from '../container.ts';

/**
 * Account commands work on the configured store directly, with or without a running server.
 * The commands load this module when they run, so the others do not pay for the store's start-up.
 */
export async function withAccounts<T>(config: Config, fn: (deps: AccountDeps) => Promise<T>): Promise<T> {
  const deps = await createAccountsContainer(config);
  try {
    return await fn(deps);
  } finally {
    await deps.store.close();
  }
}
