import type { Command } from "commander";
import type { ActualInvitation, JournalEntry } from "../../model/index.js";
import { buildHistory, isoUtc, skippedNote } from "../../audit/history.js";
import { leaverGaps, summarizeLeavers } from "../../audit/leavers.js";
import { buildAccessReview } from "../../audit/review.js";
import { parseInstant } from "../dates.js";
import { UsageError } from "../errors.js";
import type { GitFlags } from "../git-options.js";
import { addGitOptions } from "../git-options.js";
import { parseOutputFormat, printJson } from "../output.js";
import { openRepo } from "../repo.js";
import {
  renderReviewCsv,
  renderReviewMarkdown,
  renderReviewTable,
  reviewJson,
} from "../review/render-review.js";
import {
  renderLeaversCsv,
  renderLeaversMarkdown,
  renderLeaversTable,
} from "../review/render-leavers.js";

const FORMATS = ["table", "json", "csv", "markdown"] as const;

interface ReviewFlags extends GitFlags {
  repo: string;
  ref?: string;
  path?: string;
  org?: string;
  at?: string;
  backend?: string;
  github?: boolean;
  leavers?: boolean;
  since?: string;
  repoSlug?: string;
  githubApiUrl?: string;
  output: string;
}

export function registerReview(program: Command): void {
  const command = program
    .command("review")
    .description(
      "What an access reviewer signs off: every member of an organization with role, since when, the commit/PR/author that granted it, expiry, external or not, and flags",
    )
    .requiredOption(
      "--repo <repo>",
      "local repository path or Git URL (may carry #REF and //SUBDIR)",
    )
    .option("--org <org>", "the organization to review")
    .option("--at <date>", "the review's instant (default: now)")
    .option("--ref <ref>", "branch, tag or commit whose history is read (default: HEAD)")
    .option("--path <dir>", "only files under this folder of the repository")
    .option("--backend <uri>", "flag invitations still pending past their expiry in this backend")
    .option(
      "--github",
      "add each granting PR's approvers from the GitHub API (token from $ROSTER_GITHUB_TOKEN or $GITHUB_TOKEN)",
    )
    .option(
      "--repo-slug <owner/repo>",
      "with --github: the repository on GitHub (default $GITHUB_REPOSITORY)",
    )
    .option(
      "--github-api-url <url>",
      "with --github: REST root (default $GITHUB_API_URL or https://api.github.com)",
    )
    .option(
      "--leavers",
      "instead: every revocation (deleted, demoted, expired) since --since, when Git said so, when the backend applied it (the journal), and the gap",
    )
    .option("--since <date>", "with --leavers: revocations from this instant on")
    .option("-o, --output <format>", "table|json|csv|markdown", "table");
  addGitOptions(command)
    .addHelpText(
      "after",
      "\nExamples:\n  $ roster review --repo . --org acme -o markdown > acme-review.md\n  $ roster review --repo . --org acme --at 2026-03-31 -o csv\n  $ roster review --repo . --leavers --since 2026-01-01 --backend sqlite:p.db\n",
    )
    .action(async (flags: ReviewFlags) => {
      const format = parseOutputFormat(flags.output, FORMATS);
      if (flags.leavers) return runLeavers(flags, format);
      if (flags.since !== undefined) throw new UsageError("--since needs --leavers");
      if (flags.org === undefined)
        throw new UsageError("missing --org ORG: the organization to review");
      const at = flags.at === undefined ? new Date() : parseInstant(flags.at, "--at");
      const invitations =
        flags.backend === undefined
          ? undefined
          : await backendInvitations(flags.backend, flags.org);
      const approversOf = flags.github ? await githubApprovers(flags) : undefined;
      const { repository, sha, path } = await openRepo(flags);
      try {
        const report = await buildAccessReview(repository.history, {
          ref: sha,
          org: flags.org,
          at,
          ...(path !== undefined ? { path } : {}),
          ...(invitations ? { invitations } : {}),
          ...(approversOf ? { approversOf } : {}),
        });
        for (const skip of report.skipped) process.stderr.write(`roster: ${skippedNote(skip)}\n`);
        if (format === "json") printJson(reviewJson(report));
        else if (format === "csv") process.stdout.write(renderReviewCsv(report));
        else if (format === "markdown") process.stdout.write(renderReviewMarkdown(report));
        else process.stdout.write(renderReviewTable(report));
      } finally {
        await repository.close();
      }
    });
}

async function backendInvitations(uri: string, org: string): Promise<ActualInvitation[]> {
  const { openBackend } = await import("../backend-uri.js");
  const opened = await openBackend(uri, { create: false });
  try {
    return (await opened.backend.snapshot(org))?.invitations ?? [];
  } finally {
    await opened.close();
  }
}

async function githubApprovers(flags: ReviewFlags): Promise<(pr: number) => Promise<string[]>> {
  const slugText = flags.repoSlug ?? process.env.GITHUB_REPOSITORY;
  if (!slugText)
    throw new UsageError("--github needs --repo-slug OWNER/REPO (or $GITHUB_REPOSITORY)");
  const [{ parseRepoSlug, readPullRequest }, { githubClientFromEnv }] = await Promise.all([
    import("../../adapters/github/index.js"),
    import("../pr-check/github-env.js"),
  ]);
  let slug;
  try {
    slug = parseRepoSlug(slugText);
  } catch (error) {
    throw new UsageError(`--repo-slug: ${(error as Error).message}`);
  }
  const github = githubClientFromEnv(flags.githubApiUrl);
  return async (pr) => (await readPullRequest(github, { ...slug, number: pr })).approvers;
}

async function runLeavers(flags: ReviewFlags, format: (typeof FORMATS)[number]): Promise<void> {
  if (flags.since === undefined) throw new UsageError("--leavers needs --since DATE");
  if (flags.github) throw new UsageError("--github applies to a member review, not to --leavers");
  const since = parseInstant(flags.since, "--since");
  const at = flags.at === undefined ? new Date() : parseInstant(flags.at, "--at");
  const journal = flags.backend === undefined ? [] : await backendJournal(flags.backend);
  const { repository, sha, path } = await openRepo(flags);
  try {
    const report = await buildHistory(repository.history, {
      ref: sha,
      since,
      until: at,
      ...(path !== undefined ? { path } : {}),
      ...(flags.org !== undefined ? { org: flags.org } : {}),
    });
    for (const skip of report.skipped) process.stderr.write(`roster: ${skippedNote(skip)}\n`);
    const rows = leaverGaps(report.entries, journal);
    const summary = summarizeLeavers(rows);
    const withJournal = flags.backend !== undefined;
    if (format === "json") {
      printJson({
        since: isoUtc(since),
        at: isoUtc(at),
        journal: withJournal,
        summary,
        revocations: rows,
      });
    } else if (format === "csv") process.stdout.write(renderLeaversCsv(rows));
    else if (format === "markdown") process.stdout.write(renderLeaversMarkdown(rows, summary));
    else process.stdout.write(renderLeaversTable(rows, summary, withJournal));
  } finally {
    await repository.close();
  }
}

async function backendJournal(uri: string): Promise<JournalEntry[]> {
  const { openBackend } = await import("../backend-uri.js");
  const opened = await openBackend(uri, { create: false });
  try {
    return await opened.state.readJournal();
  } finally {
    await opened.close();
  }
}
