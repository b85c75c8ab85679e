import type { GitHubClient } from "./client.js";
import type { PullRequestRef } from "./pull-request.js";
import { COMMENT_MARKER, PAGE_SIZE, clampText } from "./limits.js";

export interface CommentResult {
  id: number;
  action: "created" | "updated" | "unchanged";
}

/**
 * ONE Roster comment per pull request, updated in place on every push: the previous one is
 * found by its hidden marker (every page of comments, 100 per page); only when none exists is
 * one created. The body is clamped to GitHub's limit, so a long plan never fails the check.
 */
export async function upsertPullRequestComment(
  github: GitHubClient,
  ref: PullRequestRef,
  markdown: string,
): Promise<CommentResult> {
  const body = clampText(
    markdown.includes(COMMENT_MARKER) ? markdown : `${COMMENT_MARKER}\n${markdown}`,
  );
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner: ref.owner,
    repo: ref.repo,
    issue_number: ref.number,
    per_page: PAGE_SIZE,
  });
  // The oldest marked comment is the one kept, should an earlier run ever have left two.
  const previous = comments
    .filter((c) => c.body?.includes(COMMENT_MARKER))
    .sort((a, b) => a.id - b.id)[0];
  if (previous) {
    if (previous.body === body) return { id: previous.id, action: "unchanged" };
    await github.rest.issues.updateComment({
      owner: ref.owner,
      repo: ref.repo,
      comment_id: previous.id,
      body,
    });
    return { id: previous.id, action: "updated" };
  }
  const { data } = await github.rest.issues.createComment({
    owner: ref.owner,
    repo: ref.repo,
    issue_number: ref.number,
    body,
  });
  return { id: data.id, action: "created" };
}
