import { can } from "./permissions.js";
import type { InvitableRole, Role } from "./role.js";
import { isPromotion } from "./role.js";
import { RULES } from "./rules.js";

/**
 * The one authorization policy (DESIGN "Authorization: one policy"). The embedded store, the
 * Portal API, the PR check and the planner ask `decide`; nothing else encodes R3–R5.
 *
 * `none` is an actor with no role in the organization (another organization's key, a PR
 * participant who is not a member at base); `system` is Roster itself (full authority).
 */
export type ActorRole = Role | "system" | "none";

export interface PolicyActor {
  role: ActorRole;
  /** The actor's own email; absent for the system actor. */
  identity?: string;
}

/** Organization fields other than auto-provisioning, by the name the resource gives them. */
export type OrgField =
  | "displayName"
  | "domains"
  | "allowExternal"
  | "invitations.expireAfter"
  | "unmanaged"
  | "safety"
  | "deletionPolicy"
  /** `spec.reviews.every`: the access-review cadence auditors rely on (issue 15). */
  | "reviews.every"
  /** `spec.expiry.warnBefore`: how early expiring members are warned about. */
  | "expiry.warnBefore";

export type PolicyChange =
  /** A new invitation, or a resend of one (a resend re-grants the invitation's role). */
  | { kind: "invite"; role: InvitableRole }
  | { kind: "cancelInvite" }
  /** Marks memberships and invitations as Roster's (the controller's memory in the backend). */
  | { kind: "markManaged" }
  /** `role`: the role the removed member holds. */
  | { kind: "remove"; role: Role }
  | { kind: "changeRole"; from: Role; to: Role }
  | { kind: "transferOwnership" }
  | { kind: "updateField"; field: OrgField }
  /** The resulting auto-provisioning setting (R8). */
  | { kind: "autoProvisioning"; enabled: boolean; role: InvitableRole }
  | { kind: "createOrganization"; owner: string }
  | { kind: "deleteOrganization" }
  | { kind: "createApiKey"; holder: string }
  | { kind: "revokeApiKey"; holder: string }
  /** A `github:` login given to a member holding `role`: it carries that role's authority. */
  | { kind: "linkIdentity"; role: Role }
  /** An AccessReview added or edited: evidence that `reviewer` reviewed the organization. */
  | { kind: "signReview"; reviewer: string }
  /** An AccessReview deleted from the declaration (its evidence leaves the current tree). */
  | { kind: "withdrawReview" }
  /** `api-keys`: everyone's keys (a member sees their own). */
  | { kind: "read"; what: "members" | "invitations" | "audit" | "api-keys" };

/** The rules a decision names: the seed's, plus the decisions this policy makes explicit. */
export const POLICY_RULES = {
  R3: RULES.R3,
  R4: `${RULES.R4}; an invitation or auto-provisioning with role admin grants admin too`,
  R5: RULES.R5,
  R9: RULES.R9,
  "owner-settings":
    "only the owner may change domains, allowExternal, unmanaged, safety, deletionPolicy or reviews.every",
  "admin-settings":
    "only an admin or the owner may change displayName, invitation expiry, expiry.warnBefore or auto-provisioning as member",
  "org-create": "an organization is created by Roster itself or by its declared owner",
  "org-delete": "only the owner may delete an organization",
  "key-revoke": "an API key is revoked only by its holder or by the owner",
  "key-create": "API keys are personal and created by admins and the owner for themselves",
  "review-sign":
    "an access review is signed by its reviewer, the owner or an admin; only an admin or the owner may withdraw one",
  membership: "only a member of the organization may act in it",
} as const;

export type PolicyRule = keyof typeof POLICY_RULES;

export type Decision = { allowed: true } | { allowed: false; rule: PolicyRule; message: string };

const ALLOWED: Decision = { allowed: true };

const OWNER_FIELDS: ReadonlySet<OrgField> = new Set([
  "domains",
  "allowExternal",
  "unmanaged",
  "safety",
  "deletionPolicy",
  "reviews.every",
]);

/** What the change is, as "may not …" messages say it. */
export function describeChange(change: PolicyChange): string {
  switch (change.kind) {
    case "invite":
      return `invite users as ${change.role}`;
    case "cancelInvite":
      return "cancel invitations";
    case "markManaged":
      return "mark members as managed";
    case "remove":
      return change.role === "owner" ? "remove the owner" : `remove ${change.role}s`;
    case "changeRole":
      return `change a role from ${change.from} to ${change.to}`;
    case "transferOwnership":
      return "transfer ownership";
    case "updateField":
      return `change ${change.field}`;
    case "autoProvisioning":
      return change.enabled
        ? `auto-provision users as ${change.role}`
        : "turn off auto-provisioning";
    case "createOrganization":
      return `create an organization owned by ${change.owner}`;
    case "deleteOrganization":
      return "delete the organization";
    case "createApiKey":
      return `create an API key for ${change.holder}`;
    case "revokeApiKey":
      return `revoke ${change.holder}'s API key`;
    case "linkIdentity":
      return `give a GitHub login to a ${change.role}`;
    case "signReview":
      return `sign an access review as ${change.reviewer}`;
    case "withdrawReview":
      return "withdraw an access review";
    case "read":
      return change.what === "audit"
        ? "view audit logs"
        : `list ${change.what === "api-keys" ? "everyone's API keys" : change.what}`;
  }
}

/** The rule governing `change` and whether `role` satisfies it (the system always does). */
function ruling(role: Role, change: PolicyChange, actor: PolicyActor): [PolicyRule, boolean] {
  const admin = role === "admin" || role === "owner";
  const owner = role === "owner";
  switch (change.kind) {
    case "invite":
      return change.role === "admin" ? ["R4", owner] : ["R3", admin];
    case "cancelInvite":
    case "markManaged":
      return ["R3", admin];
    case "remove":
      return change.role === "owner" ? ["R5", false] : ["R3", admin];
    case "changeRole":
      return roleChangeRuling(role, change.from, change.to);
    case "transferOwnership":
      return ["R5", owner];
    case "updateField":
      return OWNER_FIELDS.has(change.field) ? ["owner-settings", owner] : ["admin-settings", admin];
    case "autoProvisioning":
      return change.enabled && change.role === "admin" ? ["R4", owner] : ["admin-settings", admin];
    case "createOrganization":
      return ["org-create", owner && sameIdentity(actor.identity, change.owner)];
    case "deleteOrganization":
      return ["org-delete", can(role, "delete-organization")];
    case "createApiKey":
      return [
        "key-create",
        can(role, "create-api-keys") && sameIdentity(actor.identity, change.holder),
      ];
    case "revokeApiKey":
      return ["key-revoke", owner || sameIdentity(actor.identity, change.holder)];
    case "linkIdentity":
      return change.role === "owner"
        ? ["R5", owner]
        : change.role === "admin"
          ? ["R4", owner]
          : ["R3", admin];
    case "signReview":
      return ["review-sign", admin && sameIdentity(actor.identity, change.reviewer)];
    case "withdrawReview":
      return ["review-sign", admin];
    case "read":
      if (change.what === "members") return ["R9", can(role, "use-chat")];
      if (change.what === "invitations" || change.what === "api-keys") return ["R3", admin];
      return ["R9", can(role, "view-audit-logs")];
  }
}

function roleChangeRuling(role: Role, from: Role, to: Role): [PolicyRule, boolean] {
  if (from === to) return ["R3", true];
  if (from === "owner" || to === "owner") return ["R5", role === "owner"];
  if (isPromotion(from, to)) return ["R4", role === "owner"];
  return ["R3", role === "admin" || role === "owner"];
}

function sameIdentity(a: string | undefined, b: string): boolean {
  return a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * May `actor` make `change`? Denials name the rule and say what was refused. The system actor
 * may do anything the policy governs (the store still keeps R1, R2 and R7 for it). An actor with no role in the organization may do nothing there — except create it, when it
 * is the declared owner (its role in the new organization is `owner`: callers say so).
 */
export function decide(actor: PolicyActor, change: PolicyChange): Decision {
  if (actor.role === "system") return ALLOWED;
  if (actor.role === "none") {
    return deny(change.kind === "createOrganization" ? "org-create" : "membership", change);
  }
  const [rule, allowed] = ruling(actor.role, change, actor);
  return allowed ? ALLOWED : deny(rule, change);
}

/** The rule that governs `change`, whoever asks. */
export function ruleOf(change: PolicyChange): PolicyRule {
  return ruling("member", change, { role: "member" })[0];
}

/** True when `actor` may make `change` (for callers that only ask yes or no). */
export function allows(actor: PolicyActor, change: PolicyChange): boolean {
  return decide(actor, change).allowed;
}

function deny(rule: PolicyRule, change: PolicyChange): Decision {
  return {
    allowed: false,
    rule,
    message: `may not ${describeChange(change)}: ${rule}: ${POLICY_RULES[rule]}`,
  };
}

/** Whether admin authority suffices for `change` (PR comments say "an admin or the owner"). */
export function adminSuffices(change: PolicyChange, identity?: string): boolean {
  return allows({ role: "admin", ...(identity === undefined ? {} : { identity }) }, change);
}
