/**
 * The one error type CLI commands throw: a message for stderr (one line, no stack) and the exit
 * code. Only `main` turns it into `process.exitCode`.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Exit codes, so tests and scripts can tell usage errors from API failures. */
export const EXIT = {
  failure: 1,
  usage: 2,
  api: 3,
  unreachable: 4,
} as const;
