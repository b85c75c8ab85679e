import type { Capabilities } from "./actual.js";
import type { ActorRole } from "./policy.js";

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

/**
 * What a credential acting with `authority` is, in one organization; the planner asks the
 * policy (policy.ts) about every step with it. `identity` is the credential's own email.
 */
export function capabilitiesOf(authority: ActorRole, identity?: string): Capabilities {
  return identity === undefined || authority === "system"
    ? { actorRole: authority }
    : { actorRole: authority, identity };
}
