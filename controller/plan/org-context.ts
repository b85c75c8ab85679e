import type {
  ActualInvitation,
  ActualMember,
  ActualOrganization,
  DesiredMember,
  DesiredOrganization,
} from "../model/index.js";
import type { PlanBuilder } from "./builder.js";
import { findByEmail, hasEmail, sortedByEmail, sortedEmails } from "./sorted-index.js";

/**
 * One existing organization with every collection normalised and sorted by email. The member
 * diff walks them together in one merge pass (O(n), no hashing of 100k strings); the few point
 * questions of the ownership logic use binary search.
 */
export interface OrgContext {
  name: string;
  desiredOrg: DesiredOrganization;
  managed: ReadonlySet<string>;
  desired: readonly DesiredMember[];
  members: readonly ActualMember[];
  invitations: readonly ActualInvitation[];
  /**
   * Directory users who may be auto-provisioned (R8): set only when the backend knows its
   * directory (Google) and the organization declares auto-provisioning enabled.
   */
  directory: readonly string[] | undefined;
  /** The declared owner's email (load guarantees exactly one). */
  owner: string;
  /** Active owners in the backend, sorted by email (normally exactly one). */
  actualOwners: string[];
  out: PlanBuilder;
  member(email: string): ActualMember | undefined;
  declared(email: string): DesiredMember | undefined;
  invitation(email: string): ActualInvitation | undefined;
  inDirectory(email: string): boolean;
}

export function buildOrgContext(
  desiredOrg: DesiredOrganization,
  actual: ActualOrganization,
  managed: ReadonlySet<string>,
  owner: string,
  out: PlanBuilder,
): OrgContext {
  const desired = sortedByEmail(desiredOrg.members);
  // Backends are asked for normalised emails; normalising anyway keeps a mixed-case address
  // from looking like an undeclared stranger (who would be removed).
  const members = sortedByEmail(actual.members);
  const invitations = sortedByEmail(actual.invitations);
  const directory =
    desiredOrg.settings.autoProvisioning.enabled && actual.domainUsers !== undefined
      ? sortedEmails(actual.domainUsers)
      : undefined;
  const actualOwners: string[] = [];
  for (const m of members) if (m.role === "owner") actualOwners.push(m.email);

  return {
    name: desiredOrg.name,
    desiredOrg,
    managed,
    desired,
    members,
    invitations,
    directory,
    owner,
    actualOwners,
    out,
    member: (email) => findByEmail(members, email),
    declared: (email) => findByEmail(desired, email),
    invitation: (email) => findByEmail(invitations, email),
    inDirectory: (email) => directory !== undefined && hasEmail(directory, email),
  };
}
