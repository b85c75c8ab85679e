import type { Role } from "../../../model/index.js";
import { isRole } from "../../../model/index.js";
import {
  manageMembers,
  mayChange,
  requireAuthority,
  roleChangeRule,
  transferOwnership as mayTransfer,
} from "./authorize.js";
import type { Tx } from "./store-core.js";
import { appendAudit, findMembership, ownerOf, requireEmail, requireOrg } from "./store-core.js";
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
      "conflict",
      `${email} is ${member.role} in "${slug}" now, not ${expectFrom}: plan again`,
    );
  }
  if (to === "owner" || member.role === "owner") {
    throw storeError(
      "invalid",
      `ownership moves only by a transfer (R5): use transferOwnership for ${email}`,
    );
  }
  const rule = roleChangeRule(member.role, to);
  requireAuthority(
    tx.sql,
    tx.actor,
    org,
    mayChange(member.role, to),
    rule,
    `change ${email} from ${member.role} to ${to}`,
  );
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
  requireAuthority(tx.sql, tx.actor, org, mayTransfer, "R5", "transfer ownership");
  const from = ownerOf(tx.sql, org.id);
  const target = findMembership(tx.sql, org.id, to);
  requireObserved(tx, target, `the membership of ${to} in "${slug}"`);
  if (from === to) {
    if (tx.options.managed === true) markMember(tx, org.id, to);
    return { outcome: "noop", version: versionOf(tx, org.id, to) };
  }
  if (expectFrom !== undefined && requireEmail(expectFrom, "current owner") !== from) {
    throw storeError(
      "conflict",
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
  requireAuthority(tx.sql, tx.actor, org, manageMembers, "R3", "remove users");
  const member = findMembership(tx.sql, org.id, email);
  if (!member) return { outcome: "noop", apiKeysRevoked: 0, sessionsRevoked: 0 };
  requireObserved(tx, member, `the membership of ${email} in "${slug}"`);
  if (member.role === "owner") {
    throw storeError(
      "conflict",
      `${email} is the owner of "${slug}" (R2): transfer ownership before removing them`,
    );
  }
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
  return { outcome: "applied", ...result };
}
