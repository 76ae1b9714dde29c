import type { Command } from 'commander';
import { StrataClient } from '../../client/index.ts';
import { DEFAULT_URL, saveConnection, serverUrl } from '../connection.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { outputOf } from '../output.ts';

/** Reads one line from stdin (a secret or password, piped or typed), so it need not sit in the shell history. */
async function lineFromStdin(prompt: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`${prompt}: `);
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  process.stdin.pause();
  return text.split('\n')[0]!.trim();
}

/** A fetch that keeps the SESSION cookie the login sets and sends it back, as a browser would. */
function sessionFetch(): typeof fetch {
  let cookie: string | null = null;
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    if (cookie !== null) headers.set('cookie', cookie);
    const res = await fetch(input, { ...init, headers });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('SESSION='));
    if (set !== undefined) cookie = set.split(';')[0]!;
    return res;
  };
}

/** Logs in with email and password, has the server make a key pair for this machine, and logs out. */
async function keyPairFor(url: string, email: string, password: string): Promise<{ apiKey: string; apiSecret: string }> {
  const session = new StrataClient({ baseUrl: url, auth: { session: true }, fetch: sessionFetch() });
  await session.login(email, password);
  try {
    const { api_key, api_secret } = await session.createApiCredentials();
    return { apiKey: api_key, apiSecret: api_secret };
  } finally {
    await session.logout();
  }
}

interface LoginOptions {
  apiKey?: string;
  apiSecret?: string;
  email?: string;
  password?: string;
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('keep a key pair for the other commands (mode 0600): one you have, checked against the server, or a new one made by logging in with email and password')
    .option('--api-key <key>', 'the key (from `strata credentials create` or the web page)')
    .option('--api-secret <secret>', 'with --api-key: the secret; read from stdin when left out')
    .option('--email <email>', 'log in as this user instead; the server makes a new key pair for this machine')
    .option('--password <password>', 'with --email: the password; read from stdin when left out')
    .action(async (options: LoginOptions, command: Command) => {
      const out = outputOf(command);
      const url = serverUrl((command.optsWithGlobals().url as string | undefined) || process.env.STRATA_URL || DEFAULT_URL);
      if ((options.apiKey === undefined) === (options.email === undefined)) throw new CliError('give either --api-key or --email', EXIT.USAGE);
      let pair: { apiKey: string; apiSecret: string };
      if (options.email !== undefined) {
        const password = options.password ?? (await lineFromStdin('Password'));
        if (password === '') throw new CliError('no password given', EXIT.USAGE);
        pair = await keyPairFor(url, options.email, password);
      } else {
        const apiSecret = options.apiSecret ?? (await lineFromStdin('API secret'));
        if (apiSecret === '') throw new CliError('no API secret given', EXIT.USAGE);
        pair = { apiKey: options.apiKey!, apiSecret };
      }
      // A key pair the server refuses is not worth keeping: one call proves it works.
      await new StrataClient({ baseUrl: url, auth: pair }).listDatasets();
      const file = await saveConnection({ url, ...pair });
      out.result({ url, api_key: pair.apiKey, file }, () => `Logged in to ${url}; credentials kept in ${file}`);
    });
}
