/**
 * Errors carry what to do next: `transient` ones are retried with backoff ("try again later"),
 * the others need a human (invalid request, forbidden, conflict with a rule).
 */
export class BackendError extends Error {
  readonly code: string;
  readonly transient: boolean;
  /** Seconds the backend asked us to wait (HTTP Retry-After), when it said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: string,
    message: string,
    options: { transient?: boolean; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BackendError";
    this.code = code;
    this.transient = options.transient ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isTransient(error: unknown): boolean {
  return error instanceof BackendError && error.transient;
}

/** The code of a refused conditional write: the record changed since it was observed. */
export const PRECONDITION_FAILED = "precondition-failed";

export function isPreconditionFailed(error: unknown): boolean {
  return error instanceof BackendError && error.code === PRECONDITION_FAILED;
}
