import type { ApiRoute, Handler, Requirement } from "./context.js";
import type { HttpMethod } from "./router.js";
import * as access from "./routes/access.js";
import * as invitations from "./routes/invitations.js";
import * as members from "./routes/members.js";
import * as orgs from "./routes/orgs.js";
import { getOpenApi } from "./routes/openapi.js";

const ORG = "/v1/orgs/{org}";

/**
 * Routes of one record, which take `If-Match` / `If-None-Match` (see conditional-headers.ts):
 * the writes, and the one read whose answer carries an ETag.
 */
const CONDITIONAL = new Set([
  "getOrganization",
  "createOrganization",
  "updateOrganization",
  "changeRole",
  "removeMember",
  "transferOwnership",
  "invite",
  "resendInvitation",
  "cancelInvitation",
]);

function route(
  method: HttpMethod,
  path: string,
  operationId: string,
  requires: Requirement,
  handler: Handler,
): ApiRoute {
  return {
    method,
    path,
    operationId,
    requires,
    write: method !== "GET",
    conditional: CONDITIONAL.has(operationId),
    handler,
  };
}

/**
 * Every route of the Portal team API. openapi.json documents exactly these (a test compares
 * both ways). `requires` is the role check made before the handler; see context.ts.
 * Literal paths come before templated ones that could also match them.
 */
export const ROUTES: readonly ApiRoute[] = [
  route("GET", "/v1/openapi.json", "getOpenApi", "none", getOpenApi),
  route("GET", "/v1/me", "getMe", "member", orgs.getMe),
  route("POST", "/v1/invitations/accept", "acceptInvitation", "none", invitations.acceptInvitation),
  route("GET", "/v1/orgs", "listOrganizations", "member", orgs.listOrgs),
  route("POST", "/v1/orgs", "createOrganization", "system", orgs.createOrg),
  route("GET", ORG, "getOrganization", "member", orgs.getOrg),
  route("PATCH", ORG, "updateOrganization", "manage", orgs.patchOrg),
  route("GET", `${ORG}/members`, "listMembers", "member", members.listMembers),
  route("PATCH", `${ORG}/members/{email}`, "changeRole", "manage", members.changeRole),
  route("DELETE", `${ORG}/members/{email}`, "removeMember", "manage", members.removeMember),
  route("POST", `${ORG}/transfer`, "transferOwnership", "owner", members.transfer),
  route("POST", `${ORG}/managed`, "markManaged", "manage", members.markManaged),
  route("GET", `${ORG}/invitations`, "listInvitations", "manage", invitations.listInvitations),
  route("POST", `${ORG}/invitations`, "invite", "manage", invitations.invite),
  route(
    "POST",
    `${ORG}/invitations/{email}/resend`,
    "resendInvitation",
    "manage",
    invitations.resendInvite,
  ),
  route(
    "DELETE",
    `${ORG}/invitations/{email}`,
    "cancelInvitation",
    "manage",
    invitations.cancelInvite,
  ),
  route("GET", `${ORG}/api-keys`, "listApiKeys", "member", access.listApiKeys),
  route("POST", `${ORG}/api-keys`, "createApiKey", "create-keys", access.createApiKey),
  // A member may revoke their own key; anyone else's is team management (the store decides).
  route("DELETE", `${ORG}/api-keys/{id}`, "revokeApiKey", "member", access.revokeApiKey),
  route("GET", `${ORG}/audit`, "listAudit", "audit", access.listAudit),
];
