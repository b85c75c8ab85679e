import type { Capabilities } from "./actual.js";
import { FULL_CAPABILITIES } from "./actual.js";
import type { Role } from "./role.js";
import { isPromotion } from "./role.js";

/** The rules of the seed, by id, as shown in errors, plans and PR checks. */
export const RULES = {
  R1: "roles are exactly owner, admin and member",
  R2: "exactly one owner per organization",
  R3: "only an admin or the owner may invite or remove users",
  R4: "only the owner may promote a member to admin",
  R5: "only the current owner may transfer ownership; the old owner becomes an admin",
  R6: "removal immediately revokes the user's API keys and sessions",
  R7: "invites go to an email address with the role admin or member",
  R8: "users of a verified domain may be auto-provisioned when the organization enables it",
  R9: "permissions follow the seed's role matrix",
} as const;

export type RuleId = keyof typeof RULES;

/** R3: may `actor` invite or remove users? */
export function mayManageMembers(actor: Role): boolean {
  return actor === "admin" || actor === "owner";
}

/**
 * R3 + R4 (+ R5 for `to === "owner"`): may `actor` change someone's role from `from` to `to`?
 * Promotions to admin need the owner; making someone owner is a transfer, owner only;
 * demoting an admin is team management (R3).
 */
export function mayChangeRole(actor: Role, from: Role, to: Role): boolean {
  if (from === to) return true;
  if (to === "owner" || from === "owner") return actor === "owner";
  if (isPromotion(from, to)) return actor === "owner";
  return mayManageMembers(actor);
}

/** R5. */
export function mayTransferOwnership(actor: Role): boolean {
  return actor === "owner";
}

/** R2 on a list of roles: returns the number of owners and whether it is exactly one. */
export function ownerCountOk(roles: Iterable<Role>): boolean {
  let owners = 0;
  for (const r of roles) if (r === "owner") owners++;
  return owners === 1;
}

/** What a credential acting with `authority` may do in one organization (R3–R5). */
export function capabilitiesOf(authority: Role | "system"): Capabilities {
  if (authority === "system") return { ...FULL_CAPABILITIES };
  const manage = mayManageMembers(authority);
  return {
    actorRole: authority,
    createOrganization: false,
    updateOrganization: manage,
    invite: manage,
    remove: manage,
    promoteToAdmin: mayChangeRole(authority, "member", "admin"),
    changeRole: manage,
    transferOwnership: mayTransferOwnership(authority),
  };
}
