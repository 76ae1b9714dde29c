import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError, EXIT } from './exit-codes.ts';

/**
 * Refuses, as a usage error, a file to write whose folder does not exist or that is a folder:
 * checked before any work, so a typo in the path is not found only after the work is done.
 */
export async function checkOutPath(path: string): Promise<void> {
  const folder = dirname(path);
  if (!(await stat(folder).catch(() => null))?.isDirectory()) throw new CliError(`cannot write ${path}: ${folder} is not a folder`, EXIT.USAGE);
  if ((await stat(path).catch(() => null))?.isDirectory()) throw new CliError(`cannot write ${path}: it is a folder`, EXIT.USAGE);
}
