import type { Command } from 'commander';
import { StrataApiError, type StrataClient } from '../client/index.ts';
import { clientFor, noCredentials, resolveConnection, type Connection } from './connection.ts';
import { CliError, EXIT } from './exit-codes.ts';
import { outputOf, type Output } from './output.ts';

export interface ClientContext {
  client: StrataClient;
  connection: Connection;
  out: Output;
  /** Aborted by Ctrl-C: the command stops what it is doing and exits with 130. */
  signal: AbortSignal;
}

/**
 * A commander action for a command that talks to a running server: it gets a client for the
 * resolved connection, the output mode and a signal that Ctrl-C aborts (a second Ctrl-C kills).
 */
export function clientAction<A extends unknown[]>(run: (ctx: ClientContext, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const connection = await resolveConnection(command.optsWithGlobals());
    const controller = new AbortController();
    const interrupt = () => controller.abort(Object.assign(new Error('Interrupted'), { name: 'AbortError' }));
    process.once('SIGINT', interrupt);
    try {
      await run({ client: clientFor(connection), connection, out: outputOf(command), signal: controller.signal }, ...(args.slice(0, -1) as A));
    } catch (err) {
      if (err instanceof StrataApiError && err.status === 401 && connection.apiKey === undefined) throw new CliError(noCredentials, EXIT.AUTH);
      throw err;
    } finally {
      process.removeListener('SIGINT', interrupt);
    }
  };
}
