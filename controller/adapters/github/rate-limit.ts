import type { Octokit } from "@octokit/rest";

export interface RateLimitOptions {
  /** Longest wait for a rate limit to reset before giving up (default 60 s). */
  maxWaitMs?: number;
  /** Attempts per request, the first included (default 3). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Said when GitHub's limit resets later than the bounded wait allows. */
export class GitHubRateLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GitHubRateLimitError";
  }
}

interface HttpErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** Secondary limits without a Retry-After: GitHub asks for at least a minute. */
const SECONDARY_DEFAULT_MS = 60_000;

/**
 * Honours GitHub's rate-limit answers (FACTS.md): a 429, or a 403 with `Retry-After` or
 * `X-RateLimit-Remaining: 0`, waits for `Retry-After` seconds or until `X-RateLimit-Reset`, then
 * tries again — at most `maxAttempts` times and never longer than `maxWaitMs` per wait.
 */
export function installRateLimitRetry(octokit: Octokit, options: RateLimitOptions = {}): void {
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 3;
  const sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  octokit.hook.wrap("request", async (request, requestOptions) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(requestOptions);
      } catch (error) {
        const wait = rateLimitWait(error as HttpErrorLike, now());
        if (wait === undefined || attempt >= maxAttempts) throw error;
        if (wait > maxWaitMs) {
          throw new GitHubRateLimitError(
            `GitHub rate limit reached; it resets in ${Math.ceil(wait / 1000)} s, longer than the ` +
              `${Math.ceil(maxWaitMs / 1000)} s this command waits: try again later`,
          );
        }
        await sleep(wait);
      }
    }
  });
}

/** How long GitHub asks us to wait, or undefined when the error is not a rate limit. */
export function rateLimitWait(error: HttpErrorLike, nowMs: number): number | undefined {
  const status = error.status;
  if (status !== 403 && status !== 429) return undefined;
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter)) {
    return Math.max(0, retryAfter * 1000);
  }
  if (String(headers["x-ratelimit-remaining"]) === "0") {
    const reset = Number(headers["x-ratelimit-reset"]) * 1000;
    return Number.isFinite(reset) ? Math.max(0, reset - nowMs) : SECONDARY_DEFAULT_MS;
  }
  if (status === 429 || /secondary rate limit/i.test(error.message ?? "")) {
    return SECONDARY_DEFAULT_MS;
  }
  return undefined;
}
