import { BackendError, backoffDelay as delayFor } from "../model/index.js";
import type { RetryOptions } from "./types.js";

export interface Attempted<T> {
  value?: T;
  error?: unknown;
  attempts: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `fn` until it succeeds, fails with a non-transient error, or runs out of attempts.
 * Only `BackendError.transient` is retried: a refusal (forbidden, invalid, rule broken) needs a
 * human, and repeating it only adds noise. Never throws: the last error is returned.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: RetryOptions = {},
): Promise<Attempted<T>> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const sleep = options.sleep ?? defaultSleep;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return { value: await fn(), attempts };
    } catch (error) {
      if (!(error instanceof BackendError) || !error.transient || attempts >= maxAttempts) {
        return { error, attempts };
      }
      const delay = backoffDelay(attempts, error.retryAfterSeconds, options);
      if (delay === undefined) return { error, attempts };
      await sleep(delay);
    }
  }
}

/** The executor's retry delays: full jitter from 200 ms, capped at 10 s; Retry-After ≤ 60 s. */
export function backoffDelay(
  attempt: number,
  retryAfterSeconds: number | undefined,
  options: RetryOptions = {},
): number | undefined {
  return delayFor(attempt, retryAfterSeconds, {
    baseDelayMs: options.baseDelayMs ?? 200,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    random: options.random ?? Math.random,
  });
}
