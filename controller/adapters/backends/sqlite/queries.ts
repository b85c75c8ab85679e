import type {
  ActualInvitation,
  ActualMember,
  ActualOrganization,
  InvitableRole,
  Role,
} from "../../../model/index.js";
import type { InvitationRow } from "./ops-invite.js";
import { invitationView, isExpired } from "./ops-invite.js";
import type { MembershipRow, OrgRow, Sql } from "./store-core.js";
import { orgSettings, ownerOf } from "./store-core.js";
import { storeError } from "./store-errors.js";
import type {
  AuditEvent,
  InvitationView,
  MemberView,
  OrganizationView,
  Page,
  PageRequest,
} from "./store-types.js";

export const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 100;

function pageSize(request: PageRequest): number {
  const limit = request.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw storeError(
      "invalid",
      `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, not ${String(limit)}`,
    );
  }
  return limit;
}

// Cursors are opaque to callers (base64url JSON) so their content can change without breaking them.
function encodeCursor(after: string | number): string {
  return Buffer.from(JSON.stringify({ after }), "utf8").toString("base64url");
}

function decodeCursor<T extends string | number>(
  cursor: string | undefined,
  kind: "string" | "number",
): T | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const value = (
      JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown }
    ).after;
    if (typeof value === kind) return value as T;
  } catch {
    // reported below
  }
  throw storeError(
    "invalid",
    "malformed cursor: pass the nextCursor of the previous page unchanged",
  );
}

function paged<R, T>(
  rows: R[],
  limit: number,
  view: (row: R) => T,
  key: (row: R) => string | number,
): Page<T> {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(view);
  const last = rows[limit - 1];
  return more && last !== undefined ? { items, nextCursor: encodeCursor(key(last)) } : { items };
}

export function memberView(row: MembershipRow): MemberView {
  return {
    email: row.email,
    role: row.role,
    since: row.since,
    autoProvisioned: row.auto_provisioned === 1,
    version: String(row.version),
    managed: row.managed === 1,
  };
}

/** Email order; one primary-key range scan per page. */
export function listMembers(sql: Sql, org: OrgRow, request: PageRequest): Page<MemberView> {
  const limit = pageSize(request);
  const after = decodeCursor<string>(request.cursor, "string") ?? "";
  const rows = sql
    .get(
      `SELECT email, role, since, auto_provisioned, version, managed FROM memberships
       WHERE org_id = ? AND email > ? ORDER BY email LIMIT ?`,
    )
    .all(org.id, after, limit + 1) as MembershipRow[];
  return paged(rows, limit, memberView, (r) => r.email);
}

/** Open invitations (pending and expired), email order. */
export function listInvitations(
  sql: Sql,
  org: OrgRow,
  request: PageRequest,
  now: Date,
): Page<InvitationView> {
  const limit = pageSize(request);
  const after = decodeCursor<string>(request.cursor, "string") ?? "";
  const rows = sql
    .get(
      `SELECT * FROM invitations WHERE org_id = ? AND status = 'pending' AND email > ?
       ORDER BY email LIMIT ?`,
    )
    .all(org.id, after, limit + 1) as InvitationRow[];
  return paged(
    rows,
    limit,
    (r) => invitationView(r, org.slug, now),
    (r) => r.email,
  );
}

interface AuditRow {
  id: number;
  time: string;
  org: string | null;
  actor: string;
  action: string;
  target: string | null;
  before_json: string | null;
  after_json: string | null;
  reason: string | null;
  revision: string | null;
}

/** Newest first. */
export function listAudit(sql: Sql, org: OrgRow, request: PageRequest): Page<AuditEvent> {
  const limit = pageSize(request);
  const before = decodeCursor<number>(request.cursor, "number") ?? Number.MAX_SAFE_INTEGER;
  const rows = sql
    .get("SELECT * FROM audit_events WHERE org = ? AND id < ? ORDER BY id DESC LIMIT ?")
    .all(org.slug, before, limit + 1) as AuditRow[];
  return paged(
    rows,
    limit,
    (r) => ({
      id: r.id,
      time: r.time,
      org: r.org,
      actor: r.actor,
      action: r.action,
      target: r.target,
      before: r.before_json === null ? null : (JSON.parse(r.before_json) as unknown),
      after: r.after_json === null ? null : (JSON.parse(r.after_json) as unknown),
      reason: r.reason,
      revision: r.revision,
    }),
    (r) => r.id,
  );
}

export function organizationView(sql: Sql, org: OrgRow): OrganizationView {
  return {
    name: org.slug,
    settings: orgSettings(sql, org),
    createdAt: org.created_at,
    owner: ownerOf(sql, org.id),
    settingsVersion: String(org.settings_version),
  };
}

type MemberTuple = [string, Role, string, number, number, number];

/**
 * The whole organization for the planner: one query for members and one for open invitations,
 * each a primary-key (or partial-index) range scan already in email order. Raw rows skip
 * better-sqlite3's per-row object building, which dominates at 100,000 members.
 */
export function snapshot(sql: Sql, org: OrgRow, now: Date): ActualOrganization {
  const memberRows = sql
    .get(
      `SELECT email, role, since, auto_provisioned, version, managed FROM memberships
       WHERE org_id = ? ORDER BY email`,
    )
    .raw(true)
    .all(org.id) as MemberTuple[];
  const members = new Array<ActualMember>(memberRows.length);
  for (let i = 0; i < memberRows.length; i++) {
    const [email, role, since, auto, version, managed] = memberRows[i] as MemberTuple;
    const member: ActualMember = {
      email,
      role,
      since,
      version: String(version),
      managed: managed === 1,
    };
    if (auto === 1) member.autoProvisioned = true;
    members[i] = member;
  }
  const invitationRows = sql
    .get(
      `SELECT email, role, sent_at, expires_at, version, managed FROM invitations
       WHERE org_id = ? AND status = 'pending' ORDER BY email`,
    )
    .raw(true)
    .all(org.id) as [string, InvitableRole, string, string, number, number][];
  const invitations: ActualInvitation[] = invitationRows.map(
    ([email, role, sentAt, expiresAt, version, managed]) => ({
      email,
      role,
      sentAt,
      expiresAt,
      status: isExpired({ expires_at: expiresAt }, now) ? "expired" : "pending",
      version: String(version),
      managed: managed === 1,
    }),
  );
  return {
    name: org.slug,
    settings: orgSettings(sql, org),
    members,
    invitations,
    settingsVersion: String(org.settings_version),
  };
}
