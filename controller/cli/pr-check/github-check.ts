import type { CheckAnnotation, GitHubClient, PullRequestRef } from "../../adapters/github/index.js";
import {
  ensureCommits,
  publishCheckRun,
  readPullRequest,
  upsertPullRequestComment,
} from "../../adapters/github/index.js";
import type { CommentResult } from "../../adapters/github/index.js";
import type { GitAccessOptions } from "../../adapters/sources/git.js";
import { gitCliFor } from "../../adapters/sources/git.js";
import { openGitRepository } from "../../adapters/sources/git-repository.js";
import { isRemoteLocation, parseGitSpec } from "../../adapters/sources/git-spec.js";
import { computeCheck } from "./compute.js";
import { renderCheckMarkdown } from "./render-markdown.js";
import type { CheckView } from "./view.js";
import { verdictReason } from "./view.js";

export interface GitHubCheckOptions {
  github: GitHubClient;
  /** The clone holding the declarations: a local path (fetched into when commits are missing) or a URL. */
  repo: string;
  git: GitAccessOptions;
  path?: string;
  backend?: string;
  tokenFile?: string;
}

export interface GitHubCheckResult {
  view: CheckView;
  checkRunId: number;
  comment: CommentResult;
}

/**
 * `roster check --github`: read the PR and the approvals that count, make both commits present
 * locally, decide, then post ONE check run on the head commit and create or update the ONE
 * Roster comment of the PR.
 */
export async function runGitHubCheck(
  options: GitHubCheckOptions,
  ref: PullRequestRef,
): Promise<GitHubCheckResult> {
  const pr = await readPullRequest(options.github, ref);
  const spec = parseGitSpec(options.repo);
  const path = options.path ?? spec.subdir;
  const repository = await openGitRepository(spec, options.git, undefined);
  let view: CheckView;
  try {
    if (!isRemoteLocation(spec.location)) {
      const git = gitCliFor(spec, options.git);
      const gitDir = (
        await git.text(["rev-parse", "--absolute-git-dir"], { cwd: spec.location })
      ).trim();
      await ensureCommits(git, {
        gitDir,
        shas: [pr.baseSha, pr.headSha],
        number: pr.number,
        baseRef: pr.baseRef,
      });
    }
    const [base, head] = [
      await repository.resolve(pr.baseSha),
      await repository.resolve(pr.headSha),
    ];
    view = {
      ...(await computeCheck({
        history: repository.history,
        base,
        head,
        author: pr.author,
        approvers: pr.approvers,
        ...(path !== undefined ? { path } : {}),
        ...(options.backend !== undefined ? { backend: options.backend } : {}),
        ...(options.tokenFile !== undefined ? { tokenFile: options.tokenFile } : {}),
      })),
      staleApprovers: pr.staleApprovers,
    };
  } finally {
    await repository.close();
  }

  const markdown = renderCheckMarkdown(view);
  const checkRunId = await publishCheckRun(options.github, {
    owner: ref.owner,
    repo: ref.repo,
    headSha: pr.headSha,
    conclusion: view.report.allowed ? "success" : "failure",
    title: `${view.report.allowed ? "Allowed" : "Denied"}: ${verdictReason(view.report)}`,
    summary: markdown,
    annotations: annotationsOf(view),
  });
  const comment = await upsertPullRequestComment(options.github, ref, markdown);
  return { view, checkRunId, comment };
}

/** Head issues and denied changes, at their file:line in head; other places cannot be annotated. */
export function annotationsOf(view: CheckView): CheckAnnotation[] {
  const files = new Set(view.report.headFiles);
  const out: CheckAnnotation[] = [];
  for (const issue of view.report.issues) {
    if (!files.has(issue.file)) continue;
    out.push({
      path: issue.file,
      line: issue.line,
      col: issue.col,
      level: issue.severity === "error" ? "failure" : "warning",
      title: issue.rule,
      message: issue.hint ? `${issue.message}\nhint: ${issue.hint}` : issue.message,
    });
  }
  for (const change of view.report.changes) {
    if (change.missing === undefined || !change.source || !files.has(change.source.file)) continue;
    if (["revoked", "organizationRemoved", "reviewRemoved"].includes(change.change)) continue;
    out.push({
      path: change.source.file,
      line: change.source.line,
      col: change.source.col,
      level: "failure",
      title: `${change.rule}: ${change.change} ${change.email || (change.field ?? "")}`,
      message: `needs ${change.missing}`,
    });
  }
  return out;
}
