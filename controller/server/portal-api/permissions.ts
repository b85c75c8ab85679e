import type { PolicyChange } from "../../model/index.js";
import { decide } from "../../model/index.js";
import type { Principal } from "./auth.js";
import type { ApiRoute, Requirement } from "./context.js";
import { ApiError } from "./errors.js";

/**
 * Each route's coarse requirement as a question to the policy (model/policy.ts), asked before
 * the handler runs: a member's key gets 403 on a management route whatever its body holds.
 * What depends on the body (the role of an invitation, which settings change, whose key) the
 * store asks the same policy inside its transaction.
 */
const QUESTION: Record<
  Exclude<Requirement, "none">,
  (p: Principal & { kind: "user" }) => PolicyChange
> = {
  member: () => ({ kind: "read", what: "members" }),
  manage: () => ({ kind: "cancelInvite" }),
  audit: () => ({ kind: "read", what: "audit" }),
  "create-keys": (p) => ({ kind: "createApiKey", holder: p.email }),
  owner: () => ({ kind: "transferOwnership" }),
  system: (p) => ({ kind: "createOrganization", owner: p.email }),
};

/**
 * The check made before a handler runs, on the caller's current role (the store re-reads it
 * when authenticating the key). A key is scoped to its organization: any other one is 403,
 * whether it exists or not, so probing reveals nothing. `scopeOnly` (a replayed write, whose
 * first attempt was authorized) skips the role check, never the scope check.
 */
export function authorize(
  route: ApiRoute,
  principal: Principal | null,
  params: Record<string, string>,
  options: { scopeOnly?: boolean } = {},
): void {
  if (route.requires === "none" || principal?.kind === "system") return;
  if (principal === null) {
    throw new ApiError("forbidden", "this caller may not do this: an API key is required");
  }
  if (params.org !== undefined && params.org !== principal.org) {
    throw new ApiError("forbidden", `this API key belongs to organization "${principal.org}"`);
  }
  if (options.scopeOnly === true) return;
  // Organizations are created by the Portal operator (the bootstrap token): a key's holder has
  // no role in an organization that does not exist yet.
  const role = route.requires === "system" ? "none" : principal.role;
  const decision = decide({ role, identity: principal.email }, QUESTION[route.requires](principal));
  if (!decision.allowed) {
    throw new ApiError("forbidden", `a key with role ${principal.role} ${decision.message}`);
  }
}
