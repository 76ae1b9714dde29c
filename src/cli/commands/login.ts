import type { Command } from 'commander';
import { StrataClient } from '../../client/index.ts';
import { DEFAULT_URL, saveConnection } from '../connection.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { outputOf } from '../output.ts';

/** Reads one line from stdin (the secret, piped or typed), so it need not sit in the shell history. */
async function lineFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('API secret: ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  process.stdin.pause();
  return text.split('\n')[0]!.trim();
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('check an API key pair against the server and keep it for the other commands (mode 0600)')
    .requiredOption('--api-key <key>', 'the key (from `strata credentials create` or the web page)')
    .option('--api-secret <secret>', 'the secret; read from stdin when left out')
    .action(async (options: { apiKey: string; apiSecret?: string }, command: Command) => {
      const out = outputOf(command);
      const url = (command.optsWithGlobals().url as string | undefined) || process.env.STRATA_URL || DEFAULT_URL;
      const apiSecret = options.apiSecret ?? (await lineFromStdin());
      if (apiSecret === '') throw new CliError('no API secret given', EXIT.USAGE);
      // A key pair the server refuses is not worth keeping: one call proves it works.
      await new StrataClient({ baseUrl: url, auth: { apiKey: options.apiKey, apiSecret } }).listDatasets();
      const file = await saveConnection({ url, apiKey: options.apiKey, apiSecret });
      out.result({ url, api_key: options.apiKey, file }, () => `Logged in to ${url}; credentials kept in ${file}`);
    });
}
