import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.ts';
import { DomainError } from '../domain/errors.ts';
import { StrataApiError } from '../client/index.ts';
import { registerCreate } from './commands/create.ts';
import { registerCredentials } from './commands/credentials.ts';
import { registerDatasets } from './commands/datasets.ts';
import { registerDelete } from './commands/delete.ts';
import { registerDuplicates } from './commands/duplicates.ts';
import { registerErrors } from './commands/errors.ts';
import { registerExport } from './commands/export.ts';
import { registerGrow } from './commands/grow.ts';
import { registerIssues } from './commands/issues.ts';
import { registerLogin } from './commands/login.ts';
import { registerServe } from './commands/serve.ts';
import { registerStatus } from './commands/status.ts';
import { registerTasks } from './commands/tasks.ts';
import { registerUpload } from './commands/upload.ts';
import { registerUser } from './commands/user.ts';
import { CliError, EXIT } from './exit-codes.ts';

function program(onServing: () => void): Command {
  const strata = new Command('strata')
    .description('Strata: visual datasets. Run a server, manage accounts, and work with datasets on a running server.')
    .option('--json', 'print results as JSON (for scripts)')
    .option('--url <url>', 'server URL (default: STRATA_URL, then `strata login`, then http://127.0.0.1:2080)')
    .showHelpAfterError('(run `strata --help` for the commands)')
    .exitOverride()
    .addHelpText(
      'after',
      `
strata scan <folder|s3://…> [--report out.html] [--json out.json] [--csv out.csv] [--open] [--serve] [--data-dir D]
  index a folder with no server and report duplicates, outliers and issues (see README).

Exit status: 0 done, 1 failed (server error, dataset in ERROR, files not uploaded), 2 usage,
3 no or refused credentials, 4 not found, 5 server unreachable, 130 interrupted.
Server settings come from STRATA_* environment variables (see README).`,
    );
  // One line per command; each lives in commands/<name>.ts.
  registerServe(strata, onServing);
  registerUser(strata);
  registerCredentials(strata);
  registerLogin(strata);
  registerDatasets(strata);
  registerCreate(strata);
  registerUpload(strata);
  registerGrow(strata);
  registerStatus(strata);
  registerErrors(strata);
  registerDuplicates(strata);
  registerIssues(strata);
  registerExport(strata);
  registerDelete(strata);
  registerTasks(strata);
  return strata;
}

/** The exit status for an error that ended a command, and what to say about it. */
function failure(err: unknown): { code: number; message: string | null } {
  if (err instanceof CommanderError) {
    // Help and version were asked for; anything else is a usage error (already printed).
    return { code: err.exitCode === 0 ? EXIT.OK : EXIT.USAGE, message: null };
  }
  if (err instanceof CliError) return { code: err.code, message: err.message };
  if (err instanceof ConfigError) return { code: EXIT.USAGE, message: err.message };
  if (err instanceof DomainError) {
    const code = err.code === 'NOT_FOUND' ? EXIT.NOT_FOUND : err.code === 'BAD_REQUEST' || err.code === 'UNPROCESSABLE' ? EXIT.USAGE : EXIT.FAILED;
    return { code, message: err.message };
  }
  if (err instanceof StrataApiError) {
    const code = err.status === 0 ? EXIT.UNREACHABLE : err.status === 401 || err.status === 403 ? EXIT.AUTH : err.status === 404 ? EXIT.NOT_FOUND : EXIT.FAILED;
    return { code, message: err.message };
  }
  if (err instanceof Error && err.name === 'AbortError') return { code: EXIT.INTERRUPTED, message: null };
  return { code: EXIT.FAILED, message: null };
}

export async function main(argv: readonly string[]): Promise<number | 'running'> {
  let serving = false;
  const strata = program(() => (serving = true));
  if (argv.length === 0) {
    // Without a command there is nothing to do: say what there is, as an error.
    process.stderr.write(strata.helpInformation());
    return EXIT.USAGE;
  }
  try {
    // scan reads its own options: commander would take its `--json FILE` for the global `--json` flag.
    if (argv[0] === 'scan') return await (await import('./scan.ts')).scanCommand(argv.slice(1));
    await strata.parseAsync(argv, { from: 'user' });
    return serving ? 'running' : EXIT.OK;
  } catch (err) {
    const { code, message } = failure(err);
    if (message !== null) process.stderr.write(`strata: ${message}\n`);
    else if (code === EXIT.FAILED) throw err;
    return code;
  }
}

const code = await main(process.argv.slice(2));
if (code !== 'running') process.exit(code);
