import type { PolicyChange as Change, PolicyRule, Role } from "../model/index.js";
import { isPromotion, ruleOf } from "../model/index.js";
import type { ChangeKind } from "./membership-diff.js";

export type { PolicyRule } from "../model/index.js";

/** What a pull request's change asks of the policy (model/policy.ts), and who may not answer. */
export interface Requirement {
  /** The change each participant's role at base is asked about. */
  change: Change;
  /** Raises the target's authority: the target may not satisfy it for themselves. */
  elevates: boolean;
}

export function ruleFor(requirement: Requirement): PolicyRule {
  return ruleOf(requirement.change);
}

/**
 * A declared grant is an invitation with that role (R3, or R4 for admin: otherwise
 * remove-then-re-add would bypass R4); a new owner, or the old owner's revocation, is a
 * transfer (R5).
 */
export function requirementFor(
  change: ChangeKind,
  from: Role | null,
  to: Role | null,
): Requirement {
  switch (change) {
    case "ownershipTransferred":
      return { change: { kind: "transferOwnership" }, elevates: true };
    case "granted":
      return { change: grantChange(to ?? "member"), elevates: true };
    case "revoked":
      return from === "owner"
        ? { change: { kind: "transferOwnership" }, elevates: false }
        : { change: { kind: "remove", role: from ?? "member" }, elevates: false };
    case "roleChanged": {
      const f = from ?? "member";
      const t = to ?? "member";
      return { change: { kind: "changeRole", from: f, to: t }, elevates: isPromotion(f, t) };
    }
  }
}

/** What granting `role` is, to the policy. */
export function grantChange(role: Role): Change {
  return role === "owner" ? { kind: "transferOwnership" } : { kind: "invite", role };
}

/**
 * A declared expiry moved: sooner (or newly set) ends access, so it is that member's removal
 * (R3); later (or dropped) keeps access the date would have ended, so it is granting their role
 * again (R3, R4 for an admin), and the member may not approve it for themselves.
 */
export function expiryRequirement(
  role: Role,
  from: string | undefined,
  to: string | undefined,
): Requirement {
  const sooner = to !== undefined && (from === undefined || Date.parse(to) < Date.parse(from));
  return sooner
    ? { change: { kind: "remove", role }, elevates: false }
    : { change: grantChange(role), elevates: true };
}
