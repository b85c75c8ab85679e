import { BackendError, backoffDelay as delayFor } from "../../../model/index.js";

/**
 * Truncated exponential backoff with jitter, as the Directory API asks for over quota
 * (https://developers.google.com/admin-sdk/directory/v1/limits): wait base·2ⁿ plus up to
 * `base` of random jitter, capped, and never less than a server's Retry-After.
 */
export interface BackoffOptions {
  /** Calls per read, the first included (default 6). */
  maxAttempts?: number;
  /** Default 1,000 ms. */
  baseDelayMs?: number;
  /** Default 32,000 ms (Google's suggested ceiling). */
  maxDelayMs?: number;
  /** A Retry-After longer than this ends the retries: the read fails as transient (default 120 s). */
  maxRetryAfterMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests: a number in [0, 1). */
  random?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function backoffDelay(
  attempt: number,
  retryAfterSeconds: number | undefined,
  options: BackoffOptions,
): number | undefined {
  return delayFor(attempt, retryAfterSeconds, {
    baseDelayMs: options.baseDelayMs ?? 1000,
    maxDelayMs: options.maxDelayMs ?? 32_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
    random: options.random ?? Math.random,
    jitter: "additive",
  });
}

/**
 * Runs a read until it succeeds or fails for good. Only transient `BackendError`s (rate limit,
 * 5xx, network) are retried. Reads only: a write is the executor's to retry, after it has
 * journaled the attempt.
 */
export async function retryRead<T>(read: () => Promise<T>, options: BackoffOptions): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 6);
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof BackendError) || !error.transient || attempt >= maxAttempts)
        throw error;
      const delay = backoffDelay(attempt, error.retryAfterSeconds, options);
      if (delay === undefined) throw error;
      await sleep(delay);
    }
  }
}
