import type { GitHubClient, RepoRef } from "../../adapters/github/index.js";
import {
  createGitHubClient,
  DEFAULT_GITHUB_API,
  isPullRequestEventName,
  parseRepoSlug,
} from "../../adapters/github/index.js";
import { isRemoteLocation, parseGitSpec } from "../../adapters/sources/git-spec.js";
import type { Logger } from "../../model/index.js";
import { redactUrls } from "../../model/index.js";
import type { GitAccessOptions } from "../../adapters/sources/git.js";
import { UsageError } from "../errors.js";
import { runGitHubCheck } from "./github-check.js";
import type { PullRequestChecks } from "./webhook.js";
import { createPullRequestChecks } from "./webhook.js";

/**
 * The token, from the environment only (never a flag: it would show in `ps` and shell history).
 * ROSTER_GITHUB_TOKEN wins over GITHUB_TOKEN, which GitHub Actions provides.
 */
export function githubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.ROSTER_GITHUB_TOKEN?.trim() || env.GITHUB_TOKEN?.trim() || undefined;
}

/** `--github-api-url`, else $GITHUB_API_URL (set by Actions, GitHub Enterprise too), else api.github.com. */
export function githubApiUrl(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const url = flag ?? env.GITHUB_API_URL ?? DEFAULT_GITHUB_API;
  if (!/^https?:\/\//i.test(url))
    throw new UsageError(`--github-api-url must be an http(s) URL (got "${url}")`);
  return url;
}

export function githubClientFromEnv(
  apiUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): GitHubClient {
  const token = githubToken(env);
  if (!token) {
    throw new UsageError(
      "no GitHub token: set ROSTER_GITHUB_TOKEN or GITHUB_TOKEN (contents: read, checks: write, pull-requests: write)",
    );
  }
  return createGitHubClient({ token, baseUrl: githubApiUrl(apiUrl, env) });
}

export interface ServeChecksOptions {
  github: GitHubClient;
  repo: string;
  git: GitAccessOptions;
  path?: string;
  /** Only this repository's pull requests (the clone holds no other). */
  repoSlug?: RepoRef;
  log: Logger;
}

/** The webhook handler that runs the GitHub check for each PR event, logging each outcome. */
export function pullRequestChecksFor(options: ServeChecksOptions): PullRequestChecks {
  return createPullRequestChecks({
    ...(options.repoSlug ? { repo: options.repoSlug } : {}),
    check: async (pr) => {
      const result = await runGitHubCheck(
        {
          github: options.github,
          repo: options.repo,
          git: options.git,
          ...(options.path !== undefined ? { path: options.path } : {}),
        },
        pr,
      );
      options.log.info("pull request checked", {
        pr: pr.number,
        repository: `${pr.owner}/${pr.repo}`,
        head: result.view.report.head,
        allowed: result.view.report.allowed,
        checkRun: result.checkRunId,
        comment: result.comment.action,
      });
    },
    onError: (pr, error) => {
      options.log.error("pull request check failed", {
        pr: pr.number,
        repository: `${pr.owner}/${pr.repo}`,
        error: error instanceof Error ? error.message : String(error),
      });
    },
  });
}

export type OnWebhookEvent = (
  event: string,
  payload: unknown,
) => { accepted: boolean; message: string };

/**
 * For `roster run`: pull_request and pull_request_review deliveries go to the PR check (when a
 * GitHub token is in the environment), every other event to `next`. `repo` is the source (a
 * local clone or Git URL, `//SUBDIR` honoured).
 */
export function withPullRequestChecks(
  next: OnWebhookEvent,
  options: Omit<ServeChecksOptions, "github"> & { apiUrl?: string; env?: NodeJS.ProcessEnv },
): OnWebhookEvent {
  const env = options.env ?? process.env;
  if (!githubToken(env)) return next;
  // Only the repository the controller follows: a signed payload naming another one queues
  // nothing (the webhook secret may be shared by several repositories of an organization).
  const repoSlug = options.repoSlug ?? repoSlugOfSource(options.repo);
  if (repoSlug === undefined) {
    return (event, payload) =>
      isPullRequestEventName(event)
        ? {
            accepted: false,
            message: `${event} ignored: the source ${redactUrls(options.repo)} is not a GitHub repository URL (OWNER/REPO)`,
          }
        : next(event, payload);
  }
  const checks = pullRequestChecksFor({
    ...options,
    repoSlug,
    github: githubClientFromEnv(options.apiUrl, env),
  });
  return (event, payload) =>
    checks.handles(event) ? checks.onEvent(event, payload) : next(event, payload);
}

/** `OWNER/REPO` of a Git URL (`https://host/OWNER/REPO.git#ref//dir`, `git@host:OWNER/REPO`). */
export function repoSlugOfSource(source: string): RepoRef | undefined {
  let location: string;
  try {
    location = parseGitSpec(source).location;
  } catch {
    return undefined;
  }
  if (!isRemoteLocation(location)) return undefined;
  const pathPart = location
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+\//i, "")
    .replace(/^[^@/]+@[^:/]+:/, "");
  const [owner, repo] = pathPart
    .replace(/\.git\/?$/, "")
    .replace(/\/+$/, "")
    .split("/");
  if (owner === undefined || repo === undefined) return undefined;
  try {
    return parseRepoSlug(`${owner}/${repo}`);
  } catch {
    return undefined;
  }
}
