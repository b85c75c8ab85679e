import type { Issue } from "../model/index.js";
import { formatIssue, normalizeEmail } from "../model/index.js";
import type { Commit, GitHistory } from "./git-history.js";
import type { Expiration } from "./expiry-tracker.js";
import { ExpiryTracker } from "./expiry-tracker.js";
import type { HistoryChangeKind, MembershipState } from "./membership-diff.js";
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
  /** `expired`: the declared `expiresAt` passed; `commit` is the one that set that date. */
  change: HistoryChangeKind;
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
  /**
   * The report's instant (default: now): commits after it are not read, and expiries up to it
   * are reported.
   */
  until?: Date;
}

export interface HistoryReport {
  /** In time order (expirations fall between the commits around their instant). */
  entries: HistoryEntry[];
  skipped: SkippedCommit[];
  /** The declared state at `until` (expired members included: see `expired`). */
  state: MembershipState;
  /** The commit that declares `state`; null before the first one. */
  revision: string | null;
  /** `org\0email` of the declared members whose expiry has passed at `until`. */
  expired: ReadonlySet<string>;
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
  const until = (query.until ?? new Date()).getTime();
  const commits = (await git.commits(query.ref)).filter((c) => Date.parse(c.date) <= until);
  const member = query.member === undefined ? undefined : normalizeEmail(query.member);
  const since = query.since?.getTime();
  const entries: HistoryEntry[] = [];
  const skipped: SkippedCommit[] = [];
  const expiries = new ExpiryTracker();
  let final: { state: MembershipState; revision: string | null } = {
    state: new Map(),
    revision: null,
  };
  const wanted = (org: string, email: string, at: number) =>
    (since === undefined || at >= since) &&
    (query.org === undefined || org === query.org) &&
    (member === undefined || email === member);
  const expire = (list: Expiration[]) => {
    for (const e of list) {
      if (!wanted(e.org, e.email, e.at)) continue;
      entries.push({
        ...commitFields(e.commit, new Date(e.at)),
        org: e.org,
        email: e.email,
        change: "expired",
        from: e.role,
        to: null,
      });
    }
  };

  await replayHistory(git, commits, query.path, ({ commit, changes, invalid, state, validAt }) => {
    const landed = Date.parse(commit.date);
    // Expiries that passed before this commit landed come first, at their own instant.
    expire(expiries.due(landed - 1));
    if (invalid && invalid.length > 0 && (since === undefined || landed >= since)) {
      skipped.push({
        commit: commit.sha,
        date: isoUtc(commit.date),
        subject: commit.subject,
        issues: invalid,
      });
    }
    // One set of commit fields for all its entries: an import of 2,000 members shares one
    // author and one date string instead of holding 2,000 copies of each.
    const fields = commitFields(commit, commit.date);
    for (const change of changes) {
      if (!wanted(change.org, change.email, landed)) continue;
      entries.push({ ...fields, ...change });
    }
    for (const back of expiries.observe(state, commit)) {
      if (!wanted(back.org, back.email, landed)) continue;
      const grant = { org: back.org, email: back.email, from: null, to: back.role };
      entries.push({ ...fields, ...grant, change: "granted" });
    }
    expire(expiries.due(landed));
    final = { state, revision: validAt?.sha ?? null };
  });
  expire(expiries.due(until));

  const expired = new Set<string>();
  for (const [org, people] of final.state) {
    for (const email of people.keys()) {
      if (expiries.hasExpired(org, email)) expired.add(`${org}\0${email}`);
    }
  }
  return { entries, skipped, ...final, expired };
}

function commitFields(commit: Commit, date: string | Date) {
  return {
    commit: commit.sha,
    date: isoUtc(date),
    author: `${commit.author.name} <${commit.author.email}>`,
    pr: pullRequestNumber(commit.subject),
  };
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
