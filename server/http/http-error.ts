/** What an error that says its own answer may add: what the log line says, and its cause. */
export interface HttpErrorOptions {
  /** The message for logs when it differs from the detail the client sees. */
  message?: string;
  cause?: unknown;
  /** Logs the error at error level under this line: its message names internals the client does not see. */
  logAs?: string;
}

/**
 * An error that says its own answer: status, a detail safe to show the client, headers. Every
 * domain's errors extend it, so the error handler (../errors.ts) answers them without knowing the
 * domain. A handler answering one operation throws `fail(…)` (../handlers.ts) instead, whose status
 * the contract must document for that operation.
 */
export class HttpError extends Error {
  readonly logAs: string | undefined;
  constructor(
    readonly statusCode: number,
    readonly detail?: string,
    readonly headers: Readonly<Record<string, string>> = {},
    { message, cause, logAs }: HttpErrorOptions = {},
  ) {
    super(message ?? detail ?? `HTTP ${statusCode}`, cause === undefined ? undefined : { cause });
    this.logAs = logAs;
  }
}
