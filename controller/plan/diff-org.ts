import type { DesiredOrganization, InvitableRole, OrgSettings } from "../model/index.js";
import { changedSettings } from "../model/index.js";
import type { PlanBuilder } from "./builder.js";

/** The backend stores the settings it needs for R8 (domains, auto-provisioning) and invitations. */
export function planSettings(
  desiredOrg: DesiredOrganization,
  actual: OrgSettings,
  out: PlanBuilder,
): void {
  const changed = changedSettings(desiredOrg.settings, actual);
  if (changed.length === 0) return;
  out.propose({
    action: "updateOrganization",
    org: desiredOrg.name,
    settings: desiredOrg.settings,
    changed,
    reason: `settings of ${desiredOrg.name} differ: ${changed.join(", ")}`,
  });
}

/**
 * The backend has no such organization: create it with the declared owner as its active owner
 * (the backend's business how that first owner signs in), then invite everyone else. When the
 * creation is blocked, the invitations wait for it.
 */
export function planNewOrganization(
  desiredOrg: DesiredOrganization,
  owner: string,
  out: PlanBuilder,
): void {
  const org = desiredOrg.name;
  const created = out.propose({
    action: "createOrganization",
    org,
    email: owner,
    role: "owner",
    settings: desiredOrg.settings,
    reason: `organization ${org} does not exist in the backend; created with ${owner} as owner`,
  });
  const waitingFor = created ? undefined : `waiting for organization ${org} to be created`;
  for (const m of desiredOrg.members) {
    if (m.email === owner) continue;
    out.propose(
      {
        action: "invite",
        org,
        email: m.email,
        role: m.role as InvitableRole,
        reason: `declared as ${m.role} in ${org}; the organization is new`,
      },
      waitingFor,
    );
  }
}
