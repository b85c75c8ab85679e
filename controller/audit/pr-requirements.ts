import type { Role } from "../model/index.js";
import { mayChangeRole, mayManageMembers, mayTransferOwnership, roleRank } from "../model/index.js";
import type { ChangeKind } from "./membership-diff.js";

/**
 * The rule a change is judged by: the seed's R3/R4/R5, `org-owner` (deleting an organization is
 * the owner's, permission matrix R9), `org-create` (nothing to satisfy, see decidePullRequest),
 * `identity` (a `github:` login change needs what granting that member's role needs).
 */
export type PolicyRule = "R3" | "R4" | "R5" | "org-owner" | "org-create" | "identity";

export interface Requirement {
  rule: PolicyRule;
  /** Does a participant holding `role` at base satisfy the rule? Undefined: nothing needed. */
  allows?: (role: Role) => boolean;
  /** Raises the target's authority: the target may not satisfy it for themselves. */
  elevates: boolean;
}

/** R3 for a member, R4 for an admin, R5 for the owner: what granting `role` needs. */
export function grantAllows(role: Role): (actor: Role) => boolean {
  if (role === "owner") return mayTransferOwnership;
  if (role === "admin") return (actor) => mayChangeRole(actor, "member", "admin");
  return mayManageMembers;
}

/** The rule a membership change is judged by, and who satisfies it (model/rules.ts). */
export function requirementFor(
  change: ChangeKind,
  from: Role | null,
  to: Role | null,
): Requirement {
  switch (change) {
    case "ownershipTransferred":
      return { rule: "R5", allows: mayTransferOwnership, elevates: true };
    case "granted":
      return {
        rule: to === "member" ? "R3" : "R4",
        allows: grantAllows(to ?? "member"),
        elevates: true,
      };
    case "revoked":
      return from === "owner"
        ? { rule: "R5", allows: mayTransferOwnership, elevates: false }
        : { rule: "R3", allows: mayManageMembers, elevates: false };
    case "roleChanged": {
      const f = from ?? "member";
      const t = to ?? "member";
      const rule = f === "owner" || t === "owner" ? "R5" : t === "admin" ? "R4" : "R3";
      return {
        rule,
        allows: (actor) => mayChangeRole(actor, f, t),
        elevates: roleRank(t) > roleRank(f),
      };
    }
  }
}
