import type { Issue } from "../model/index.js";
import { formatIssue, normalizeEmail } from "../model/index.js";
import type { Commit, GitHistory } from "./git-history.js";
import type { ChangeKind } from "./membership-diff.js";
import { replayHistory } from "./replay.js";

/** One row of `roster history` (JSON shape documented in docs/audit.md). */
export interface HistoryEntry {
  commit: string;
  date: string;
  /** `Name <email>` of the commit's author. */
  author: string;
  pr: number | null;
  org: string;
  email: string;
  change: ChangeKind;
  from: string | null;
  to: string | null;
}

/** A commit whose YAML did not load: it changed nothing, the previous valid state stayed. */
export interface SkippedCommit {
  commit: string;
  date: string;
  subject: string;
  issues: Issue[];
}

export interface HistoryQuery {
  /** The commit SHA (or ref) whose first-parent line is walked. */
  ref: string;
  /** Only files under this folder count. */
  path?: string;
  org?: string;
  member?: string;
  /** Only changes that landed at or after this instant. */
  since?: Date;
}

export interface HistoryReport {
  entries: HistoryEntry[];
  skipped: SkippedCommit[];
}

/**
 * The pull request a first-parent commit came from: GitHub's merge commit
 * ("Merge pull request #12 from …") or its squash title ("Add bob (#13)").
 */
export function pullRequestNumber(subject: string): number | null {
  const match = /^Merge pull request #(\d+)\b/.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject);
  return match?.[1] ? Number(match[1]) : null;
}

/** Commit dates as shown in reports: UTC, second precision. */
export function isoUtc(date: string | Date): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function buildHistory(git: GitHistory, query: HistoryQuery): Promise<HistoryReport> {
  const commits = await git.commits(query.ref);
  const member = query.member === undefined ? undefined : normalizeEmail(query.member);
  const since = query.since?.getTime();
  const entries: HistoryEntry[] = [];
  const skipped: SkippedCommit[] = [];
  const inWindow = (c: Commit) => since === undefined || new Date(c.date).getTime() >= since;

  await replayHistory(git, commits, query.path, ({ commit, changes, invalid }) => {
    if (!inWindow(commit)) return;
    if (invalid && invalid.length > 0) {
      skipped.push({
        commit: commit.sha,
        date: isoUtc(commit.date),
        subject: commit.subject,
        issues: invalid,
      });
    }
    for (const change of changes) {
      if (query.org !== undefined && change.org !== query.org) continue;
      if (member !== undefined && change.email !== member) continue;
      entries.push({
        commit: commit.sha,
        date: isoUtc(commit.date),
        author: `${commit.author.name} <${commit.author.email}>`,
        pr: pullRequestNumber(commit.subject),
        ...change,
      });
    }
  });
  return { entries, skipped };
}

/** The note printed for a skipped commit (on stderr, so JSON and CSV stay parseable). */
export function skippedNote(skip: SkippedCommit): string {
  const [first, ...more] = skip.issues;
  const why = first ? formatIssue({ ...first, hint: undefined }) : "invalid YAML";
  const extra = more.length > 0 ? ` (and ${more.length} more)` : "";
  return (
    `note: commit ${skip.commit.slice(0, 12)} (${skip.date}) skipped, its YAML does not load: ` +
    `${why}${extra}; the state stays the previous valid commit's`
  );
}
