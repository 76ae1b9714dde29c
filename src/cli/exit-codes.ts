/** What `strata`'s exit status means; scripts may rely on these (README lists them). */
export const EXIT = {
  OK: 0,
  /** The work failed: a server error, a dataset that ended in ERROR, files not uploaded. */
  FAILED: 1,
  /** The command line or the configuration is wrong. */
  USAGE: 2,
  /** No credentials, or the server refused them (401/403). */
  AUTH: 3,
  /** No such dataset (or one the caller may not see). */
  NOT_FOUND: 4,
  /** The server could not be reached. */
  UNREACHABLE: 5,
  /** Interrupted by Ctrl-C (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

/** An error that ends the command with `code` and a one-line message (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
