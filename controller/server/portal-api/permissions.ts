import type { Role } from "../../model/index.js";
import { can, mayManageMembers, mayTransferOwnership } from "../../model/index.js";
import type { Principal } from "./auth.js";
import type { ApiRoute, Requirement } from "./context.js";
import { ApiError } from "./errors.js";

/** Each requirement as a question to the seed's matrix and rules (R3, R5, R9). */
const ALLOWED: Record<Exclude<Requirement, "none" | "system">, (role: Role) => boolean> = {
  member: () => true,
  manage: mayManageMembers,
  audit: (role) => can(role, "view-audit-logs"),
  "create-keys": (role) => can(role, "create-api-keys"),
  owner: mayTransferOwnership,
};

const RULE: Record<Requirement, string> = {
  none: "",
  member: "",
  manage: "R3: only an admin or the owner may manage users",
  audit: "R9: viewing audit logs is for admins and the owner",
  "create-keys": "R9: creating API keys is for admins and the owner",
  owner: "R5: only the current owner may transfer ownership",
  system: "organizations are created by the Portal operator (the bootstrap token), not by API keys",
};

/**
 * The check made before a handler runs, on the caller's current role (the store re-reads it
 * when authenticating the key). A key is scoped to its organization: any other one is 403,
 * whether it exists or not, so probing reveals nothing.
 */
export function authorize(
  route: ApiRoute,
  principal: Principal | null,
  params: Record<string, string>,
): void {
  if (route.requires === "none" || principal === null || principal.kind === "system") {
    if (route.requires === "system" && principal?.kind !== "system") throw denied(route.requires);
    return;
  }
  if (params.org !== undefined && params.org !== principal.org) {
    throw new ApiError("forbidden", `this API key belongs to organization "${principal.org}"`);
  }
  if (route.requires === "system" || !ALLOWED[route.requires](principal.role)) {
    throw denied(route.requires, principal.role);
  }
}

function denied(requirement: Requirement, role?: Role): ApiError {
  const who = role === undefined ? "this caller" : `a key with role ${role}`;
  return new ApiError("forbidden", `${who} may not do this: ${RULE[requirement]}`);
}
