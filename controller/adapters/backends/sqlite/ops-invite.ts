import type { InvitableRole } from "../../../model/index.js";
import { isInvitableRole } from "../../../model/index.js";
import { requirePolicy } from "./authorize.js";
import type { OrgRow, Tx } from "./store-core.js";
import {
  actorLabel,
  appendAudit,
  ensureUser,
  findMembership,
  requireEmail,
  requireOrg,
} from "./store-core.js";
import { managedFlag, requireObserved } from "./preconditions.js";
import { storeError } from "./store-errors.js";
import type { AcceptResult, InvitationView, InviteResult, WriteResult } from "./store-types.js";
import { TOKEN_PREFIX, hashToken, newToken } from "./tokens.js";

export interface InvitationRow {
  id: number;
  org_id: number;
  email: string;
  role: InvitableRole;
  token_hash: string;
  invited_by: string;
  sent_at: string;
  expires_at: string;
  status: "pending" | "accepted" | "cancelled";
  version: number;
  managed: number;
}

export function isExpired(row: { expires_at: string }, now: Date): boolean {
  return Date.parse(row.expires_at) <= now.getTime();
}

export function invitationView(row: InvitationRow, org: string, now: Date): InvitationView {
  return {
    org,
    email: row.email,
    role: row.role,
    sentAt: row.sent_at,
    expiresAt: row.expires_at,
    status: row.status === "pending" && isExpired(row, now) ? "expired" : row.status,
    invitedBy: row.invited_by,
    version: String(row.version),
    managed: row.managed === 1,
  };
}

function pendingInvitation(tx: Tx, orgId: number, email: string): InvitationRow | undefined {
  return tx.sql
    .get("SELECT * FROM invitations WHERE org_id = ? AND email = ? AND status = 'pending'")
    .get(orgId, email) as InvitationRow | undefined;
}

function expiryFrom(tx: Tx, org: OrgRow): string {
  return new Date(tx.now.getTime() + org.invite_expiry_seconds * 1000).toISOString();
}

const auditShape = (v: InvitationView) => ({
  role: v.role,
  expiresAt: v.expiresAt,
  status: v.status,
});

/**
 * R7, an upsert: a live pending invitation with the same role is left alone (`noop`); one with
 * another role, or an expired one, takes the new role with a fresh token and expiry.
 * `expect: { absent }` asks for neither a membership nor an open invitation of the email;
 * `expect: { version }` names the open invitation being changed. A managed write marks the
 * record it answers with, even on `noop` (Roster declared this email).
 */
export function invite(tx: Tx, slug: string, rawEmail: string, role: InvitableRole): InviteResult {
  const org = requireOrg(tx.sql, slug);
  const email = requireEmail(rawEmail);
  if (!isInvitableRole(role)) {
    throw storeError(
      "invalid",
      `an invitation carries the role admin or member, not ${JSON.stringify(role)} (R7)`,
    );
  }
  requirePolicy(tx.sql, tx.actor, org, { kind: "invite", role });
  const member = findMembership(tx.sql, org.id, email);
  const existing = pendingInvitation(tx, org.id, email);
  const expect = tx.options.expect;
  if (expect !== undefined && "absent" in expect) {
    requireObserved(tx, member, `the membership of ${email} in "${slug}"`);
  }
  requireObserved(tx, existing, `the invitation of ${email} to "${slug}"`);
  if (member) {
    if (tx.options.managed === true) markMembership(tx, org.id, email);
    return { outcome: "noop", alreadyMember: true };
  }
  const token = newToken(TOKEN_PREFIX.invitation);
  if (existing) {
    const view = invitationView(existing, slug, tx.now);
    if (existing.role === role && view.status === "pending") {
      if (tx.options.managed === true) markInvitation(tx, existing.id);
      return {
        outcome: "noop",
        invitation: { ...view, managed: view.managed || tx.options.managed === true },
      };
    }
    tx.sql
      .get(
        `UPDATE invitations SET role = ?, token_hash = ?, invited_by = ?, sent_at = ?, expires_at = ?,
         managed = max(managed, ?) WHERE id = ?`,
      )
      .run(
        role,
        hashToken(token),
        actorLabel(tx.actor),
        tx.time,
        expiryFrom(tx, org),
        managedFlag(tx),
        existing.id,
      );
    return issued(tx, org, existing.id, "invite", view, token);
  }
  const { lastInsertRowid } = tx.sql
    .get(
      `INSERT INTO invitations (org_id, email, role, token_hash, invited_by, sent_at, expires_at, managed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      org.id,
      email,
      role,
      hashToken(token),
      actorLabel(tx.actor),
      tx.time,
      expiryFrom(tx, org),
      managedFlag(tx),
    );
  return issued(tx, org, Number(lastInsertRowid), "invite", null, token);
}

function markMembership(tx: Tx, orgId: number, email: string): number {
  return tx.sql
    .get("UPDATE memberships SET managed = 1 WHERE org_id = ? AND email = ? AND managed = 0")
    .run(orgId, email).changes;
}

function markInvitation(tx: Tx, id: number): number {
  return tx.sql.get("UPDATE invitations SET managed = 1 WHERE id = ? AND managed = 0").run(id)
    .changes;
}

/**
 * Marks the memberships and open invitations of `emails` as managed by Roster, one record at a
 * time (never a rewrite of a set): emails with neither are skipped. Not a change of any record,
 * so no version moves. Team management (R3).
 */
export function markManaged(tx: Tx, slug: string, rawEmails: readonly unknown[]): MarkResult {
  const org = requireOrg(tx.sql, slug);
  requirePolicy(tx.sql, tx.actor, org, { kind: "markManaged" });
  if (!Array.isArray(rawEmails) || rawEmails.length > MAX_MARKS) {
    throw storeError("invalid", `"emails" must be a list of at most ${MAX_MARKS} addresses`);
  }
  const emails = [...new Set(rawEmails.map((e) => requireEmail(e)))];
  let marked = 0;
  for (const email of emails) {
    marked += markMembership(tx, org.id, email);
    const open = pendingInvitation(tx, org.id, email);
    if (open) marked += markInvitation(tx, open.id);
  }
  if (marked > 0) {
    appendAudit(tx, {
      org: slug,
      action: "markManaged",
      target: null,
      before: null,
      after: { records: marked },
    });
  }
  return { outcome: marked > 0 ? "applied" : "noop", marked };
}

/** One request marks at most this many emails (the HTTP backend sends batches of 500). */
export const MAX_MARKS = 1000;

export interface MarkResult extends WriteResult {
  /** Records (memberships and invitations) that were not marked before. */
  marked: number;
}

/** A new token and expiry for an open (usually expired) invitation. */
export function resendInvite(tx: Tx, slug: string, rawEmail: string): InviteResult {
  const org = requireOrg(tx.sql, slug);
  const email = requireEmail(rawEmail);
  const existing = pendingInvitation(tx, org.id, email);
  // A resend re-grants the invitation's role: an admin invitation is the owner's to resend (R4).
  requirePolicy(tx.sql, tx.actor, org, { kind: "invite", role: existing?.role ?? "member" });
  requireObserved(tx, existing, `the invitation of ${email} to "${slug}"`);
  if (!existing) throw storeError("not-found", `no open invitation for ${email} in "${slug}"`);
  const token = newToken(TOKEN_PREFIX.invitation);
  tx.sql
    .get(
      "UPDATE invitations SET token_hash = ?, sent_at = ?, expires_at = ?, managed = max(managed, ?) WHERE id = ?",
    )
    .run(hashToken(token), tx.time, expiryFrom(tx, org), managedFlag(tx), existing.id);
  return issued(
    tx,
    org,
    existing.id,
    "resendInvite",
    invitationView(existing, slug, tx.now),
    token,
  );
}

function issued(
  tx: Tx,
  org: OrgRow,
  id: number,
  action: string,
  before: InvitationView | null,
  token: string,
): InviteResult {
  const row = tx.sql.get("SELECT * FROM invitations WHERE id = ?").get(id) as InvitationRow;
  const invitation = invitationView(row, org.slug, tx.now);
  appendAudit(tx, {
    org: org.slug,
    action,
    target: invitation.email,
    before: before && auditShape(before),
    after: auditShape(invitation),
  });
  return { outcome: "applied", invitation, token, version: invitation.version };
}

/**
 * With `expect`, an invitation that is no longer open (accepted after the caller looked: the
 * invitee is a member now) is a failed precondition, never a `noop`: "gone" would hide a new
 * member the caller meant to keep out.
 */
export function cancelInvite(tx: Tx, slug: string, rawEmail: string): WriteResult {
  const org = requireOrg(tx.sql, slug);
  requirePolicy(tx.sql, tx.actor, org, { kind: "cancelInvite" });
  const email = requireEmail(rawEmail);
  const existing = pendingInvitation(tx, org.id, email);
  requireObserved(tx, existing, `the invitation of ${email} to "${slug}"`);
  if (!existing) return { outcome: "noop" };
  tx.sql
    .get("UPDATE invitations SET status = 'cancelled', closed_at = ? WHERE id = ?")
    .run(tx.time, existing.id);
  const before = invitationView(existing, slug, tx.now);
  appendAudit(tx, {
    org: slug,
    action: "cancelInvite",
    target: email,
    before: auditShape(before),
    after: { status: "cancelled" },
  });
  return { outcome: "applied" };
}

/** By the one-time token from the invitation mail: the token is the authority. */
export function acceptByToken(tx: Tx, token: string): AcceptResult {
  const row = tx.sql
    .get("SELECT * FROM invitations WHERE token_hash = ?")
    .get(hashToken(String(token))) as InvitationRow | undefined;
  // Same answer for an unknown and a superseded token: nothing to learn by probing.
  if (!row)
    throw storeError("not-found", "no invitation matches this token (it may have been re-sent)");
  const slug = (
    tx.sql.get("SELECT slug FROM organizations WHERE id = ?").get(row.org_id) as { slug: string }
  ).slug;
  return acceptRow(tx, requireOrg(tx.sql, slug), row);
}

/** The invitee accepting in person: the system actor (the CLI plays the user) or that user. */
export function acceptByEmail(tx: Tx, slug: string, rawEmail: string): AcceptResult {
  const org = requireOrg(tx.sql, slug);
  const email = requireEmail(rawEmail);
  if (tx.actor.kind === "user" && tx.actor.email !== email) {
    throw storeError(
      "forbidden",
      `${tx.actor.email} may not accept an invitation addressed to ${email}`,
    );
  }
  const row = pendingInvitation(tx, org.id, email);
  if (!row) {
    const member = findMembership(tx.sql, org.id, email);
    if (member) return { outcome: "noop", org: slug, email, role: member.role };
    throw storeError("not-found", `no pending invitation for ${email} in "${slug}"`);
  }
  return acceptRow(tx, org, row);
}

export function acceptRow(tx: Tx, org: OrgRow, row: InvitationRow): AcceptResult {
  if (row.status !== "pending") {
    throw storeError("gone", `this invitation to "${org.slug}" was already ${row.status}`);
  }
  if (isExpired(row, tx.now)) {
    throw storeError(
      "gone",
      `the invitation of ${row.email} to "${org.slug}" expired at ${row.expires_at}; ask an admin to resend it`,
    );
  }
  ensureUser(tx, row.email);
  const member = findMembership(tx.sql, org.id, row.email);
  // The invitation's managed mark carries over: Roster invited them for a declared member.
  if (!member) {
    tx.sql
      .get("INSERT INTO memberships (org_id, email, role, since, managed) VALUES (?, ?, ?, ?, ?)")
      .run(org.id, row.email, row.role, tx.time, row.managed);
  } else if (row.managed === 1) {
    markMembership(tx, org.id, row.email);
  }
  tx.sql
    .get("UPDATE invitations SET status = 'accepted', closed_at = ? WHERE id = ?")
    .run(tx.time, row.id);
  const role = member?.role ?? row.role;
  appendAudit(tx, {
    org: org.slug,
    action: "acceptInvitation",
    target: row.email,
    before: member ? { role: member.role } : null,
    after: { role },
  });
  return { outcome: "applied", org: org.slug, email: row.email, role };
}
