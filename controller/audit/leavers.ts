import type { JournalEntry, Role } from "../model/index.js";
import { normalizeEmail, tookEffect } from "../model/index.js";
import type { HistoryEntry } from "./history.js";

/** How a member lost access (or privilege): their Member deleted, their role lowered, their expiry. */
export type RevocationKind = "revoked" | "demoted" | "expired";

export interface LeaverRow {
  org: string;
  email: string;
  change: RevocationKind;
  from: string | null;
  to: string | null;
  /** When Git said so: the commit's date, or the expiry instant. */
  saidAt: string;
  commit: string;
  pr: number | null;
  author: string;
  /**
   * When the backend applied it (the controller journal), null when no entry shows it yet. For
   * an outcome found by recovery (the controller died mid-write) the instant is unknown: this is
   * the latest it can have been, `appliedNotBefore` the earliest, and `gapSeconds` the longest
   * the gap can have been — never a precise instant the journal does not hold.
   */
  appliedAt: string | null;
  /** Present only when the journal bounds the instant instead of recording it (see above). */
  appliedNotBefore?: string;
  gapSeconds: number | null;
}

export interface LeaverSummary {
  revocations: number;
  applied: number;
  notApplied: number;
  worstGapSeconds: number | null;
  medianGapSeconds: number | null;
  /** Revocations whose gap is an upper bound (applied by an interrupted, recovered write); absent when none. */
  bounded?: number;
}

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/**
 * Every revocation in `entries` (history, time order) with the first successful journal entry at
 * or after it that carried it out: `remove` (or `cancelInvite` for someone never active) for a
 * deletion or an expiry; `changeRole` to the new role, or the transfer that made an old owner an
 * admin, for a demotion. Pure: the gap is the journal time minus the time Git said so.
 */
export function leaverGaps(
  entries: readonly HistoryEntry[],
  journal: readonly JournalEntry[],
): LeaverRow[] {
  const rows: LeaverRow[] = [];
  for (const e of entries) {
    const change = revocationKind(e);
    if (change === undefined) continue;
    const said = Date.parse(e.date);
    const done = journal.find(
      (j) =>
        tookEffect(j) && j.org === e.org && Date.parse(j.time) >= said && carriesOut(j, e, change),
    );
    const row: LeaverRow = {
      org: e.org,
      email: e.email,
      change,
      from: e.from,
      to: e.to,
      saidAt: e.date,
      commit: e.commit,
      pr: e.pr,
      author: e.author,
      appliedAt: done ? done.time : null,
      gapSeconds: done ? Math.max(0, Math.round((Date.parse(done.time) - said) / 1000)) : null,
    };
    if (done?.notBefore !== undefined) row.appliedNotBefore = done.notBefore;
    rows.push(row);
  }
  return rows;
}

function revocationKind(e: HistoryEntry): RevocationKind | undefined {
  if (e.change === "revoked" || e.change === "expired") return e.change;
  if (e.change === "roleChanged" && e.from !== null && e.to !== null) {
    return RANK[e.to as Role] < RANK[e.from as Role] ? "demoted" : undefined;
  }
  return undefined;
}

function carriesOut(j: JournalEntry, e: HistoryEntry, change: RevocationKind): boolean {
  const about = (email: string | undefined) =>
    email !== undefined && normalizeEmail(email) === e.email;
  if (change === "demoted") {
    if (j.action === "changeRole") return about(j.email) && j.to === e.to;
    return (
      j.action === "transferOwnership" && e.from === "owner" && e.to === "admin" && about(j.from)
    );
  }
  return (j.action === "remove" || j.action === "cancelInvite") && about(j.email);
}

export function summarizeLeavers(rows: readonly LeaverRow[]): LeaverSummary {
  const gaps = rows
    .flatMap((r) => (r.gapSeconds === null ? [] : [r.gapSeconds]))
    .sort((a, b) => a - b);
  const mid = Math.floor(gaps.length / 2);
  const median =
    gaps.length === 0
      ? null
      : gaps.length % 2 === 1
        ? (gaps[mid] as number)
        : ((gaps[mid - 1] as number) + (gaps[mid] as number)) / 2;
  const bounded = rows.filter((r) => r.gapSeconds !== null && r.appliedNotBefore !== undefined);
  return {
    revocations: rows.length,
    applied: gaps.length,
    notApplied: rows.length - gaps.length,
    worstGapSeconds: gaps.length === 0 ? null : (gaps.at(-1) as number),
    medianGapSeconds: median,
    ...(bounded.length > 0 ? { bounded: bounded.length } : {}),
  };
}

/** When the backend applied it, as an auditor reads it: an instant, or the bounds recovery knows. */
export function formatApplied(row: {
  appliedAt?: string | null;
  appliedNotBefore?: string;
}): string {
  if (row.appliedAt === null || row.appliedAt === undefined) return "";
  return row.appliedNotBefore === undefined
    ? row.appliedAt
    : `between ${row.appliedNotBefore} and ${row.appliedAt}`;
}

/** A row's gap: exact, or "at most" when the journal only bounds the instant. */
export function formatRowGap(row: Pick<LeaverRow, "gapSeconds" | "appliedNotBefore">): string {
  const gap = formatGap(row.gapSeconds);
  return row.gapSeconds !== null && row.appliedNotBefore !== undefined ? `at most ${gap}` : gap;
}

/** `3600` → `1h 0m 0s`: a gap as an auditor reads it. */
export function formatGap(seconds: number | null): string {
  if (seconds === null) return "not applied";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return d > 0
    ? `${d}d ${h}h ${m}m`
    : h > 0
      ? `${h}h ${m}m ${s}s`
      : m > 0
        ? `${m}m ${s}s`
        : `${s}s`;
}
