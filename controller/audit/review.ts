import { loadDesiredState } from "../load/index.js";
import type { ActualInvitation, DesiredOrganization, Role } from "../model/index.js";
import { formatDuration, isInDomains } from "../model/index.js";
import { latestReview, reviewDue } from "../plan/index.js";
import type { GitHistory } from "./git-history.js";
import type { HistoryEntry, SkippedCommit } from "./history.js";
import { buildHistory, isoUtc } from "./history.js";
import type { MemberGrant } from "./membership-diff.js";
import { readSnapshot } from "./pr-check.js";

/** The period after which an unchanged membership is flagged when `spec.reviews.every` is unset. */
export const DEFAULT_REVIEW_PERIOD_SECONDS = 90 * 86400;

export type ReviewFlag =
  | "owner"
  | "admin"
  | "external-without-expiry"
  | "invitation-past-expiry"
  | "unchanged-over-review-period";

/** The change that gave a member their current role: commit, PR, author, and with --github the PR's approvers. */
export interface Grant {
  commit: string;
  date: string;
  pr: number | null;
  author: string;
  approvers?: string[];
}

export interface ReviewRow {
  org: string;
  email: string;
  role: Role;
  github: string | null;
  /** When the current role began (the grant's commit date). */
  since: string;
  grantedBy: Grant;
  expiresAt: string | null;
  external: boolean;
  flags: ReviewFlag[];
}

export interface ReviewStatus {
  org: string;
  every: string | null;
  latest: { name: string; reviewer: string; reviewedAt: string } | null;
  /** When the next review is due; null without `spec.reviews.every`. */
  dueAt: string | null;
  overdue: boolean;
}

export interface AccessReviewReport {
  at: string;
  revision: string | null;
  org: string;
  rows: ReviewRow[];
  status: ReviewStatus;
  /** Every change in the organization up to `at` (the timeline the report draws). */
  history: HistoryEntry[];
  skipped: SkippedCommit[];
}

export interface ReviewQuery {
  ref: string;
  org: string;
  at: Date;
  path?: string;
  /** The backend's open invitations of the org (`--backend`): pending past expiry is flagged. */
  invitations?: readonly ActualInvitation[];
  /** `--github`: the approvers of a pull request, as the PR check reads them. */
  approversOf?: (pr: number) => Promise<string[]>;
}

/**
 * What an access reviewer needs for one organization at an instant: every member with access,
 * their role since when and granted by which commit/PR/author, expiry, whether external, and
 * flags for what deserves a second look; plus the review status.
 */
export async function buildAccessReview(
  git: GitHistory,
  query: ReviewQuery,
): Promise<AccessReviewReport> {
  const report = await buildHistory(git, {
    ref: query.ref,
    org: query.org,
    until: query.at,
    ...(query.path !== undefined ? { path: query.path } : {}),
  });
  const at = query.at.getTime();
  const grants = currentGrants(report.entries);
  const desired = report.revision ? await declaredAt(git, report.revision, query) : undefined;
  const period = (desired?.lifecycle?.reviewEverySeconds ?? DEFAULT_REVIEW_PERIOD_SECONDS) * 1000;
  const people = report.state.get(query.org) ?? new Map<string, MemberGrant>();
  const pending = new Map((query.invitations ?? []).map((i) => [i.email, i]));
  const approvals = new Map<number, string[]>();

  const rows: ReviewRow[] = [];
  for (const [email, grant] of [...people].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (report.expired.has(`${query.org}\0${email}`)) continue;
    const by = grants.get(email);
    if (!by) continue;
    const domains = desired?.settings.domains ?? [];
    const external = domains.length > 0 && !isInDomains(email, domains);
    const flags: ReviewFlag[] = [];
    if (grant.role === "owner") flags.push("owner");
    if (grant.role === "admin") flags.push("admin");
    if (external && grant.expiresAt === undefined) flags.push("external-without-expiry");
    const invitation = pending.get(email);
    if (invitation && Date.parse(invitation.expiresAt) <= at) flags.push("invitation-past-expiry");
    if (at - Date.parse(by.date) > period) flags.push("unchanged-over-review-period");
    const grantedBy: Grant = { ...by };
    if (query.approversOf && by.pr !== null) {
      if (!approvals.has(by.pr)) approvals.set(by.pr, await query.approversOf(by.pr));
      grantedBy.approvers = approvals.get(by.pr) ?? [];
    }
    rows.push({
      org: query.org,
      email,
      role: grant.role,
      github: grant.github ?? null,
      since: by.date,
      grantedBy,
      expiresAt: grant.expiresAt ?? null,
      external,
      flags,
    });
  }
  return {
    at: isoUtc(query.at),
    revision: report.revision,
    org: query.org,
    rows,
    status: reviewStatus(query.org, desired, at),
    history: report.entries,
    skipped: report.skipped,
  };
}

/** Per member, the latest history entry that set their current role. */
function currentGrants(entries: readonly HistoryEntry[]): Map<string, Grant> {
  const out = new Map<string, Grant>();
  for (const e of entries) {
    if (e.change === "revoked" || e.change === "expired") out.delete(e.email);
    else out.set(e.email, { commit: e.commit, date: e.date, pr: e.pr, author: e.author });
  }
  return out;
}

async function declaredAt(
  git: GitHistory,
  revision: string,
  query: ReviewQuery,
): Promise<DesiredOrganization | undefined> {
  const snapshot = await readSnapshot(git, revision, query.path);
  const loaded = loadDesiredState(snapshot);
  return loaded.state?.organizations.find((o) => o.name === query.org);
}

function reviewStatus(
  org: string,
  desired: DesiredOrganization | undefined,
  at: number,
): ReviewStatus {
  const latest = desired ? latestReview(desired, at) : undefined;
  const due = desired ? reviewDue(desired, at) : undefined;
  const every = desired?.lifecycle?.reviewEverySeconds;
  return {
    org,
    every: every === undefined ? null : formatDuration(every),
    latest: latest
      ? { name: latest.name, reviewer: latest.reviewer, reviewedAt: isoUtc(latest.reviewedAt) }
      : null,
    dueAt: due ? isoUtc(new Date(due.dueAt)) : null,
    overdue: due !== undefined && due.dueAt <= at,
  };
}
