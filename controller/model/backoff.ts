export interface BackoffPolicy {
  /** The first delay (or its ceiling, for full jitter); it doubles per attempt. */
  baseDelayMs: number;
  /** No delay grows beyond this. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: give up now (undefined). */
  maxRetryAfterMs: number;
  /** A number in [0, 1). */
  random: () => number;
  /**
   * - `full` (default): uniform in [0, min(cap, base·2ⁿ⁻¹)) — "Exponential Backoff And Jitter",
   *   AWS Architecture Blog — so that many callers failing at once do not return in lockstep;
   * - `additive`: min(cap, base·2ⁿ⁻¹ + up to `base` of jitter), the truncated exponential backoff
   *   Google documents for its APIs (https://developers.google.com/admin-sdk/directory/v1/limits).
   */
  jitter?: "full" | "additive";
}

/**
 * The wait before retry number `attempt` (1 = the first retry). A server's Retry-After is a
 * floor, not a suggestion; undefined means "do not wait that long, fail now as transient".
 */
export function backoffDelay(
  attempt: number,
  retryAfterSeconds: number | undefined,
  policy: BackoffPolicy,
): number | undefined {
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  const delay =
    policy.jitter === "additive"
      ? Math.min(policy.maxDelayMs, exponential + Math.floor(policy.random() * policy.baseDelayMs))
      : Math.floor(policy.random() * Math.min(policy.maxDelayMs, exponential));
  if (retryAfterSeconds === undefined) return delay;
  const floor = retryAfterSeconds * 1000;
  if (floor > policy.maxRetryAfterMs) return undefined;
  return Math.max(floor, delay);
}
