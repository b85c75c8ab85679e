import type { Role } from "../../../model/index.js";
import { PRECONDITION_FAILED, isRole } from "../../../model/index.js";
import { authorityIn, requirePolicy } from "./authorize.js";
import type { Tx } from "./store-core.js";
import {
  actorLabel,
  appendAudit,
  findMembership,
  ownerOf,
  requireEmail,
  requireOrg,
} from "./store-core.js";
import { managedFlag, requireObserved } from "./preconditions.js";
import { storeError } from "./store-errors.js";
import type { WriteResult } from "./store-types.js";

/**
 * One UPDATE, never remove-then-add: a remove would revoke the member's keys and sessions (R6).
 * `expectFrom` (the role the caller planned from) turns a concurrent change into a `conflict`
 * rather than silently overriding it; `expect` names the membership's version (checked first).
 */
export function changeRole(
  tx: Tx,
  slug: string,
  rawEmail: string,
  to: Role,
  expectFrom?: Role,
): WriteResult {
  const org = requireOrg(tx.sql, slug);
  const email = requireEmail(rawEmail);
  if (!isRole(to))
    throw storeError(
      "invalid",
      `unknown role ${JSON.stringify(to)}: use owner, admin or member (R1)`,
    );
  const member = findMembership(tx.sql, org.id, email);
  requireObserved(tx, member, `the membership of ${email} in "${slug}"`);
  if (!member) throw storeError("not-found", `${email} is not a member of "${slug}"`);
  if (member.role === to) {
    if (tx.options.managed === true) markMember(tx, org.id, email);
    return { outcome: "noop", version: String(member.version) };
  }
  if (expectFrom !== undefined && member.role !== expectFrom) {
    throw storeError(
      staleCode(tx),
      `${email} is ${member.role} in "${slug}" now, not ${expectFrom}: plan again`,
    );
  }
  if (to === "owner" || member.role === "owner") {
    throw storeError(
      "invalid",
      `ownership moves only by a transfer (R5): use transferOwnership for ${email}`,
    );
  }
  requirePolicy(tx.sql, tx.actor, org, { kind: "changeRole", from: member.role, to });
  tx.sql
    .get(
      "UPDATE memberships SET role = ?, managed = max(managed, ?) WHERE org_id = ? AND email = ?",
    )
    .run(to, managedFlag(tx), org.id, email);
  appendAudit(tx, {
    org: slug,
    action: "changeRole",
    target: email,
    before: { role: member.role },
    after: { role: to },
  });
  if (to === "member") cancelInvitationsBy(tx, org.id, slug, email, `demoted from ${member.role}`);
  return { outcome: "applied", version: versionOf(tx, org.id, email) };
}

/** The membership's version now (it exists: the caller just read or wrote it). */
function versionOf(tx: Tx, orgId: number, email: string): string | undefined {
  const row = findMembership(tx.sql, orgId, email);
  return row && String(row.version);
}

function markMember(tx: Tx, orgId: number, email: string): void {
  tx.sql
    .get("UPDATE memberships SET managed = 1 WHERE org_id = ? AND email = ? AND managed = 0")
    .run(orgId, email);
}

/**
 * R5: only the owner transfers, only to an active member; the old owner becomes an admin.
 * `expect` names the version of the new owner's membership; a managed write marks it.
 */
export function transferOwnership(
  tx: Tx,
  slug: string,
  rawTo: string,
  expectFrom?: string,
): WriteResult {
  const org = requireOrg(tx.sql, slug);
  const to = requireEmail(rawTo, "new owner");
  requirePolicy(tx.sql, tx.actor, org, { kind: "transferOwnership" });
  const from = ownerOf(tx.sql, org.id);
  const target = findMembership(tx.sql, org.id, to);
  requireObserved(tx, target, `the membership of ${to} in "${slug}"`);
  if (from === to) {
    if (tx.options.managed === true) markMember(tx, org.id, to);
    return { outcome: "noop", version: versionOf(tx, org.id, to) };
  }
  if (expectFrom !== undefined && requireEmail(expectFrom, "current owner") !== from) {
    throw storeError(
      staleCode(tx),
      `the owner of "${slug}" is ${from} now, not ${expectFrom}: plan again`,
    );
  }
  if (!target) {
    throw storeError(
      "conflict",
      `${to} is not an active member of "${slug}" (R5): invite them, and transfer once they have accepted`,
    );
  }
  // Demote first: the partial unique index allows one owner at any instant, even inside a transaction.
  const update = tx.sql.get("UPDATE memberships SET role = ? WHERE org_id = ? AND email = ?");
  update.run("admin", org.id, from);
  update.run("owner", org.id, to);
  if (tx.options.managed === true) markMember(tx, org.id, to);
  appendAudit(tx, {
    org: slug,
    action: "transferOwnership",
    target: to,
    before: { owner: from, newOwnerRole: target.role },
    after: { owner: to, previousOwnerRole: "admin" },
  });
  return { outcome: "applied", version: versionOf(tx, org.id, to) };
}

export interface RemoveResult extends WriteResult {
  apiKeysRevoked: number;
  sessionsRevoked: number;
}

/**
 * R6, in one transaction: the membership goes, the user's API keys for this organization are
 * revoked and every session of the user is invalidated (sessions are not scoped to one
 * organization, so a removed user must sign in again to reach their other organizations).
 * A member already gone is a `noop` even with `expect`: the state asked for is there.
 */
export function removeMember(tx: Tx, slug: string, rawEmail: string): RemoveResult {
  const org = requireOrg(tx.sql, slug);
  const email = requireEmail(rawEmail);
  authorityIn(tx.sql, tx.actor, org);
  const member = findMembership(tx.sql, org.id, email);
  // A plan made before the member changed is stale (412) before anything else is judged.
  if (member) requireObserved(tx, member, `the membership of ${email} in "${slug}"`);
  // The owner leaves only through a transfer, whoever asks: a conflict with R2, not a permission.
  if (member?.role === "owner") {
    throw storeError(
      "conflict",
      `${email} is the owner of "${slug}" (R2): transfer ownership before removing them`,
    );
  }
  requirePolicy(tx.sql, tx.actor, org, { kind: "remove", role: member?.role ?? "member" });
  if (!member) return { outcome: "noop", apiKeysRevoked: 0, sessionsRevoked: 0 };
  tx.sql.get("DELETE FROM memberships WHERE org_id = ? AND email = ?").run(org.id, email);
  const keys = tx.sql
    .get("UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND email = ? AND revoked_at IS NULL")
    .run(tx.time, org.id, email);
  const sessions = tx.sql
    .get("UPDATE sessions SET revoked_at = ? WHERE email = ? AND revoked_at IS NULL")
    .run(tx.time, email);
  const result = { apiKeysRevoked: keys.changes, sessionsRevoked: sessions.changes };
  appendAudit(tx, {
    org: slug,
    action: "removeMember",
    target: email,
    before: {
      role: member.role,
      since: member.since,
      autoProvisioned: member.auto_provisioned === 1,
    },
    after: result,
  });
  cancelInvitationsBy(tx, org.id, slug, email, "removed from the organization");
  return { outcome: "applied", ...result };
}

/**
 * An invitation carries its inviter's authority (R3/R4): when the inviter is removed or loses
 * admin, the invitations they sent and that are still pending go with it, in the same
 * transaction, each with an audit event saying why.
 */
function cancelInvitationsBy(
  tx: Tx,
  orgId: number,
  slug: string,
  inviter: string,
  why: string,
): void {
  const label = actorLabel({ kind: "user", email: inviter, role: "member" });
  const rows = tx.sql
    .get(
      "SELECT id, email, role FROM invitations WHERE org_id = ? AND invited_by = ? AND status = 'pending' ORDER BY email",
    )
    .all(orgId, label) as { id: number; email: string; role: string }[];
  const cancel = tx.sql.get(
    "UPDATE invitations SET status = 'cancelled', closed_at = ? WHERE id = ?",
  );
  for (const row of rows) {
    cancel.run(tx.time, row.id);
    appendAudit(tx, {
      org: slug,
      action: "cancelInvite",
      target: row.email,
      before: { role: row.role, status: "pending", invitedBy: inviter },
      after: { status: "cancelled", why: `its inviter ${inviter} was ${why}` },
    });
  }
}

/**
 * A role or owner that moved since the plan read it: with a precondition (a conditional write,
 * as Roster's executor sends) that is a refused precondition, planned again; without one, a
 * conflict for the caller to resolve.
 */
function staleCode(tx: Tx): "precondition-failed" | "conflict" {
  return tx.options.expect === undefined ? "conflict" : PRECONDITION_FAILED;
}
