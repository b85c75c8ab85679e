import { Octokit } from "@octokit/rest";
import { installRateLimitRetry } from "./rate-limit.js";
import type { RateLimitOptions } from "./rate-limit.js";

export interface GitHubClientOptions extends RateLimitOptions {
  /** A token with contents:read, checks:write, pull-requests:write; never logged. */
  token: string;
  /** REST root: https://api.github.com, a GitHub Enterprise `/api/v3`, or a local fake. */
  baseUrl?: string;
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
  installRateLimitRetry(octokit, options);
  return octokit;
}
