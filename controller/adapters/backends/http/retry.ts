import { backoffDelay } from "../../../model/index.js";

export interface RetryPolicy {
  /** Calls per read (GET), the first included (default 5); a write is always sent once. */
  maxAttempts: number;
  /** First backoff ceiling in ms (default 100); doubles per attempt. */
  baseDelayMs: number;
  /** The ceiling never grows beyond this (default 5,000 ms). */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails as transient (30 s). */
  maxRetryAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1). */
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** Full jitter (see model/backoff.ts), with this client's policy. */
export function retryDelayMs(
  attempt: number,
  retryAfterSeconds: number | undefined,
  policy: RetryPolicy,
): number | undefined {
  return backoffDelay(attempt, retryAfterSeconds, policy);
}

/** `Retry-After` is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
