import type { JournalEntry, Role } from "../model/index.js";
import { normalizeEmail, tookEffect } from "../model/index.js";
import type { Commit, GitHistory } from "./git-history.js";
import type { SkippedCommit } from "./history.js";
import { isoUtc } from "./history.js";
import type { MembershipState } from "./membership-diff.js";
import { replayHistory } from "./replay.js";

export interface AccessMember {
  org: string;
  email: string;
  role: Role;
  /** The commit that gave this member their current role. */
  grantedIn: string;
  /** The declared `expiresAt`, when access is time-bound (still ahead at `at`). */
  expiresAt?: string;
  /**
   * With a journal: when the backend applied that role (the step's journal time), or null. For a
   * write recovered after the controller died mid-way, the latest it can have been.
   */
  appliedAt?: string | null;
  /** Only for a recovered write: the earliest it can have been (the instant itself is unknown). */
  appliedNotBefore?: string;
  /** With a journal: true when no journal entry shows the backend applying it. */
  gap?: boolean;
}

export interface AccessReport {
  at: string;
  /** The commit whose declared state is shown; null when the branch had no commit yet. */
  revision: string | null;
  members: AccessMember[];
  /** Commits up to `at` whose YAML did not load (the state stays the previous valid one). */
  skipped: SkippedCommit[];
}

export interface AccessQuery {
  ref: string;
  at: Date;
  path?: string;
  org?: string;
  /** The controller's journal, to tell when the backend actually applied each role. */
  journal?: readonly JournalEntry[];
}

/**
 * Who held which role at `at` according to Git: the declared state of the last commit of the
 * first-parent line on or before that instant (committer date), and for each member the commit
 * that granted their current role.
 */
export async function accessAt(git: GitHistory, query: AccessQuery): Promise<AccessReport> {
  const all = await git.commits(query.ref);
  const at = query.at.getTime();
  let last = -1;
  all.forEach((c, i) => {
    if (new Date(c.date).getTime() <= at) last = i;
  });
  const commits = all.slice(0, last + 1);

  const grantedIn = new Map<string, string>();
  const skipped: SkippedCommit[] = [];
  let final: { state: MembershipState; validAt: Commit | null } = {
    state: new Map(),
    validAt: null,
  };
  await replayHistory(git, commits, query.path, ({ commit, changes, invalid, state, validAt }) => {
    for (const change of changes) {
      const key = memberKey(change.org, change.email);
      if (change.to === null) grantedIn.delete(key);
      else grantedIn.set(key, commit.sha);
    }
    if (invalid && invalid.length > 0) {
      skipped.push({
        commit: commit.sha,
        date: isoUtc(commit.date),
        subject: commit.subject,
        issues: invalid,
      });
    }
    final = { state, validAt };
  });

  const position = new Map(all.map((c, i) => [c.sha, i]));
  const members: AccessMember[] = [];
  for (const [org, people] of [...final.state].sort(([a], [b]) => compare(a, b))) {
    if (query.org !== undefined && org !== query.org) continue;
    for (const [email, grant] of [...people].sort(([a], [b]) => compare(a, b))) {
      // Declared but time-bound: without access from the expiry instant on.
      if (grant.expiresAt !== undefined && Date.parse(grant.expiresAt) <= at) continue;
      const granted = grantedIn.get(memberKey(org, email)) ?? "";
      const member: AccessMember = { org, email, role: grant.role, grantedIn: granted };
      if (grant.expiresAt !== undefined) member.expiresAt = grant.expiresAt;
      if (query.journal) {
        const applied = firstApplied(
          query.journal,
          org,
          email,
          grant.role,
          position.get(granted) ?? 0,
          position,
        );
        member.appliedAt = applied?.time ?? null;
        if (applied?.notBefore !== undefined) member.appliedNotBefore = applied.notBefore;
        member.gap = applied === undefined;
      }
      members.push(member);
    }
  }
  return { at: isoUtc(query.at), revision: final.validAt?.sha ?? null, members, skipped };
}

/** The role a journal entry put in place for its `email`, if it granted one. */
function roleApplied(entry: JournalEntry): string | undefined {
  switch (entry.action) {
    case "createOrganization":
    case "invite":
    case "resendInvite":
      return entry.role;
    case "changeRole":
      return entry.to;
    case "transferOwnership":
      return "owner";
    default:
      return undefined;
  }
}

/**
 * The first successful journal entry, at the granting commit or a later one, that put this role
 * in place for this member. For a new member that is the invitation; `noop` counts too (the
 * backend already had it when the controller looked).
 */
function firstApplied(
  journal: readonly JournalEntry[],
  org: string,
  email: string,
  role: Role,
  grantedAt: number,
  position: Map<string, number>,
): JournalEntry | undefined {
  return journal.find(
    (e) =>
      e.org === org &&
      tookEffect(e) &&
      e.email !== undefined &&
      normalizeEmail(e.email) === email &&
      roleApplied(e) === role &&
      (position.get(e.revision) ?? -1) >= grantedAt,
  );
}

function memberKey(org: string, email: string): string {
  return `${org}\0${email}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
