/** What the LAPI client throws: an HTTP status (null for network errors) and whether to retry. */
export class LapiError extends Error {
  override name = "LapiError";
  /** HTTP status, or null when no answer arrived (connection refused, reset, timeout). */
  readonly status: number | null;
  /**
   * True for network errors, 5xx and 429: the batch may succeed later, so a spool keeps it. A 4xx
   * means the request itself is wrong (the LAPI never partially applies one) and retrying the
   * same bytes cannot help.
   */
  readonly retryable: boolean;

  constructor(
    message: string,
    status: number | null,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.retryable = options.retryable ?? (status === null || status >= 500 || status === 429);
  }
}
