import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { StrataClient } from '../client/index.ts';
import { CliError, EXIT } from './exit-codes.ts';

export interface Connection {
  url: string;
  /** Unset when none is configured: the request goes without, which a server in STRATA_AUTH=none mode serves. */
  apiKey?: string;
  apiSecret?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:2080';

/** Where `strata login` keeps the server and key pair: readable by the owner alone. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'strata', 'credentials.json');
}

/** Per-user state that is not configuration (saved uploads to resume). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'strata');
}

async function stored(): Promise<Partial<Connection>> {
  try {
    return JSON.parse(await readFile(credentialsFile(), 'utf8')) as Partial<Connection>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${credentialsFile()}: ${(err as Error).message}`, EXIT.USAGE);
  }
}

/** What to do when a server refuses a request sent without a key pair. */
export const noCredentials = 'no credentials: run `strata login` or set STRATA_API_KEY and STRATA_API_SECRET';

/**
 * The server and key pair: --url, then STRATA_URL / STRATA_API_KEY / STRATA_API_SECRET, then
 * `strata login`'s file. Without a key pair the commands still run, for a server that needs
 * none (STRATA_AUTH=none); one that does answers 401, which clientAction turns into noCredentials.
 */
export async function resolveConnection(options: { url?: string }): Promise<Connection> {
  const saved = await stored();
  // An empty variable counts as unset, as shells and CI files often leave them.
  const url = serverUrl(options.url || process.env.STRATA_URL || saved.url || DEFAULT_URL);
  const apiKey = process.env.STRATA_API_KEY || saved.apiKey;
  const apiSecret = process.env.STRATA_API_SECRET || saved.apiSecret;
  if (!apiKey && !apiSecret) return { url };
  if (!apiKey || !apiSecret) throw new CliError(`${apiKey ? 'an API key without its secret' : 'an API secret without its key'}: set both STRATA_API_KEY and STRATA_API_SECRET, or run \`strata login\``, EXIT.AUTH);
  return { url, apiKey, apiSecret };
}

/** The server's address as given, refused as a usage error unless it is an http(s) URL. */
export function serverUrl(url: string): string {
  const protocol = URL.canParse(url) ? new URL(url).protocol : null;
  if (protocol !== 'http:' && protocol !== 'https:') throw new CliError(`the server URL must start with http:// or https://, got "${url}"`, EXIT.USAGE);
  return url;
}

export function clientFor({ url, apiKey, apiSecret }: Connection): StrataClient {
  return new StrataClient({ baseUrl: url, auth: apiKey && apiSecret ? { apiKey, apiSecret } : { session: true } });
}

/** Saves the connection with mode 0600, replacing the file whole so it is never half written. */
export async function saveConnection(connection: Connection): Promise<string> {
  const file = credentialsFile();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return file;
}
