import { Octokit } from "@octokit/rest";
import { installRateLimitRetry } from "./rate-limit.js";
import type { RateLimitOptions } from "./rate-limit.js";

export interface GitHubClientOptions extends RateLimitOptions {
  /** A token with contents:read, checks:write, pull-requests:write; never logged. */
  token: string;
  /** REST root: https://api.github.com, a GitHub Enterprise `/api/v3`, or a local fake. */
  baseUrl?: string;
  /** A request still unanswered after this long is abandoned (default 30 s): a hung API must not hang a webhook queue. */
  timeoutMs?: number;
}

export type GitHubClient = Octokit;

export const DEFAULT_GITHUB_API = "https://api.github.com";

const quiet = { debug: noop, info: noop, warn: noop, error: noop };
function noop(): void {}

/**
 * @octokit/rest with a quiet log (its messages would reach stdout, which carries `-o json`),
 * a configurable base URL, and a bounded wait on rate limits. No throttling plugin: it made
 * three calls take seconds against a local server (STACK.md).
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: (options.baseUrl ?? DEFAULT_GITHUB_API).replace(/\/+$/, ""),
    log: quiet,
    userAgent: "roster-pr-check",
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Hooks registered first sit innermost: this one inside the retry, so every attempt (a retry
  // after a rate-limit wait too) gets a deadline of its own.
  // The options object is set in place: hooks are bound to it, a new object would not reach
  // the request under them.
  octokit.hook.wrap("request", (request, requestOptions) => {
    requestOptions.request = { ...requestOptions.request, signal: AbortSignal.timeout(timeoutMs) };
    return request(requestOptions);
  });
  installRateLimitRetry(octokit, options);
  return octokit;
}
