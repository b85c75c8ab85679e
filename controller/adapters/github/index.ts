export { createGitHubClient, DEFAULT_GITHUB_API } from "./client.js";
export type { GitHubClient, GitHubClientOptions } from "./client.js";
export { GitHubRateLimitError, rateLimitWait } from "./rate-limit.js";
export { approvalsAt, parseRepoSlug, readPullRequest } from "./pull-request.js";
export type { PullRequestInfo, PullRequestRef, RepoRef, ReviewLike } from "./pull-request.js";
export { publishCheckRun } from "./check-run.js";
export type { CheckAnnotation, CheckRunInput } from "./check-run.js";
export { upsertPullRequestComment } from "./pr-comment.js";
export type { CommentResult } from "./pr-comment.js";
export { isPullRequestEventName, pullRequestEvent } from "./webhook-events.js";
export type { PullRequestEvent } from "./webhook-events.js";
export { ensureCommits } from "./fetch-commits.js";
export {
  ANNOTATIONS_PER_REQUEST,
  CHECK_NAME,
  COMMENT_MARKER,
  GITHUB_TEXT_LIMIT,
  PAGE_SIZE,
  clampText,
} from "./limits.js";
