import type { Role, RuleId } from "../../../model/index.js";
import {
  RULES,
  can,
  mayChangeRole,
  mayManageMembers,
  mayTransferOwnership,
} from "../../../model/index.js";
import type { OrgRow, Sql } from "./store-core.js";
import { findMembership } from "./store-core.js";
import { storeError } from "./store-errors.js";
import type { Actor } from "./store-types.js";

/**
 * The actor's authority in `org`: `system`, or the user's role as the store holds it now — not
 * the role the credential was issued with, so a demotion or a removal takes effect at once (R6).
 */
export function authorityIn(sql: Sql, actor: Actor, org: OrgRow): Role | "system" {
  if (actor.kind === "system") return "system";
  if (actor.org !== undefined && actor.org !== org.slug) {
    throw storeError(
      "forbidden",
      `this credential belongs to "${actor.org}", not to "${org.slug}"`,
    );
  }
  const membership = findMembership(sql, org.id, actor.email);
  if (!membership) throw storeError("forbidden", `${actor.email} is not a member of "${org.slug}"`);
  return membership.role;
}

/** Throws `forbidden` naming the rule unless the actor's current role passes `allowed`. */
export function requireAuthority(
  sql: Sql,
  actor: Actor,
  org: OrgRow,
  allowed: (role: Role) => boolean,
  rule: RuleId,
  doing: string,
): Role | "system" {
  const authority = authorityIn(sql, actor, org);
  if (authority !== "system" && !allowed(authority))
    throw forbidden(actor, authority, org, rule, doing);
  return authority;
}

export function forbidden(
  actor: Actor,
  role: Role,
  org: OrgRow,
  rule: RuleId,
  doing: string,
): Error {
  const who = actor.kind === "user" ? actor.email : actor.name;
  return storeError(
    "forbidden",
    `${who} (${role}) may not ${doing} in "${org.slug}": ${rule}: ${RULES[rule]}`,
  );
}

export const manageMembers = (role: Role) => mayManageMembers(role);
export const transferOwnership = (role: Role) => mayTransferOwnership(role);
export const viewAuditLogs = (role: Role) => can(role, "view-audit-logs");
export const anyMember = () => true;

/** Which rule denies a role change, for the error message. */
export function roleChangeRule(from: Role, to: Role): RuleId {
  return from === "owner" || to === "owner" ? "R5" : to === "admin" ? "R4" : "R3";
}

export function mayChange(from: Role, to: Role) {
  return (role: Role) => mayChangeRole(role, from, to);
}
