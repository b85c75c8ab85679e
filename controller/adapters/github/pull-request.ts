import type { GitHubClient } from "./client.js";
import { PAGE_SIZE } from "./limits.js";

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullRequestRef extends RepoRef {
  number: number;
}

export interface PullRequestInfo extends PullRequestRef {
  baseSha: string;
  /** The base branch name, to fetch when the base SHA is not in the local clone. */
  baseRef: string;
  headSha: string;
  author: string;
  /** Logins whose latest review is an approval of the current head SHA, sorted. */
  approvers: string[];
  /** Approvals left out because a later push made them stale (their commit is not the head). */
  staleApprovers: string[];
}

/** The fields of a review that decide whether it counts. */
export interface ReviewLike {
  id: number;
  user: { login: string } | null;
  state: string;
  commit_id: string | null;
  submitted_at?: string | null;
}

/** `OWNER/REPO` → its parts; anything else is refused. */
export function parseRepoSlug(slug: string): RepoRef {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(slug.trim());
  if (!match?.[1] || !match[2] || match[2] === "." || match[2] === "..") {
    throw new Error(`expected OWNER/REPO (got "${slug}")`);
  }
  return { owner: match[1], repo: match[2] };
}

/**
 * The PR (number, base and head SHAs, author) and the approvals that count, with every page of
 * reviews (100 per page).
 */
export async function readPullRequest(
  github: GitHubClient,
  ref: PullRequestRef,
): Promise<PullRequestInfo> {
  const { data: pr } = await github.rest.pulls.get({
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.number,
  });
  const reviews = await github.paginate(github.rest.pulls.listReviews, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.number,
    per_page: PAGE_SIZE,
  });
  const { approvers, stale } = approvalsAt(reviews, pr.head.sha);
  return {
    ...ref,
    baseSha: pr.base.sha,
    baseRef: pr.base.ref,
    headSha: pr.head.sha,
    author: pr.user?.login ?? "",
    approvers,
    staleApprovers: stale,
  };
}

/**
 * Only the latest review of each reviewer counts (FACTS.md), and an approval only for the commit
 * it was given on: a push after it makes it stale. A comment-only review (COMMENTED) does not
 * replace an earlier approval or change request, as on GitHub; PENDING reviews are drafts.
 */
export function approvalsAt(
  reviews: readonly ReviewLike[],
  headSha: string,
): { approvers: string[]; stale: string[] } {
  const latest = new Map<string, ReviewLike>();
  const ordered = [...reviews].sort((a, b) => order(a) - order(b) || a.id - b.id);
  for (const review of ordered) {
    const login = review.user?.login;
    if (!login) continue;
    if (review.state === "COMMENTED" || review.state === "PENDING") continue;
    latest.set(login.toLowerCase(), review);
  }
  const approvers: string[] = [];
  const stale: string[] = [];
  for (const review of latest.values()) {
    if (review.state !== "APPROVED") continue;
    const login = review.user?.login ?? "";
    if (review.commit_id === headSha) approvers.push(login);
    else stale.push(login);
  }
  return { approvers: approvers.sort(), stale: stale.sort() };
}

function order(review: ReviewLike): number {
  const t = review.submitted_at ? Date.parse(review.submitted_at) : NaN;
  return Number.isFinite(t) ? t : 0;
}
