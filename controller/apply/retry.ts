import { BackendError } from "../model/index.js";
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

/**
 * Full jitter: a uniform pick in [0, min(cap, base·2^(n-1))), so that many steps failing at once
 * do not come back in lockstep. A server's Retry-After is a floor, not a suggestion; one longer
 * than `maxRetryAfterMs` ends the retries (undefined) rather than holding the run for hours.
 */
export function backoffDelay(
  attempt: number,
  retryAfterSeconds: number | undefined,
  options: RetryOptions = {},
): number | undefined {
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterSeconds === undefined) return jittered;
  const floor = retryAfterSeconds * 1000;
  if (floor > (options.maxRetryAfterMs ?? 60_000)) return undefined;
  return Math.max(floor, jittered);
}
