import type { PolicyChange, Role } from "../../../model/index.js";
import { decide } from "../../../model/index.js";
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

/**
 * Asks the policy (model/policy.ts) whether the actor, with its current role in `org`, may make
 * each of `changes`; throws `forbidden` naming the rule of the first one refused.
 */
export function requirePolicy(
  sql: Sql,
  actor: Actor,
  org: OrgRow,
  ...changes: PolicyChange[]
): Role | "system" {
  const authority = authorityIn(sql, actor, org);
  const identity = actor.kind === "user" ? { identity: actor.email } : {};
  for (const change of changes) {
    const decision = decide({ role: authority, ...identity }, change);
    if (!decision.allowed) {
      const who = actor.kind === "user" ? actor.email : actor.name;
      throw storeError("forbidden", `${who} (${authority} of "${org.slug}") ${decision.message}`);
    }
  }
  return authority;
}
