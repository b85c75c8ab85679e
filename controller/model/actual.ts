import type { InvitableRole, Role } from "./role.js";
import type { OrgSettings } from "./resources.js";

export interface ActualMember {
  email: string;
  role: Role;
  /** ISO 8601: when the membership began. */
  since: string;
  /** True when the backend added this member by domain auto-provisioning (R8). */
  autoProvisioned?: boolean;
}

export interface ActualInvitation {
  email: string;
  role: InvitableRole;
  sentAt: string;
  expiresAt: string;
  status: "pending" | "expired";
}

/** One organization as the identity backend holds it right now. */
export interface ActualOrganization {
  name: string;
  settings: OrgSettings;
  /** Sorted by email. */
  members: ActualMember[];
  /** Open invitations only (accepted or cancelled ones are gone). Sorted by email. */
  invitations: ActualInvitation[];
  /**
   * Directory users of the organization's domains who may be auto-provisioned (R8), when the
   * backend knows them (Google Workspace: `users.list` by domain, suspended users excluded).
   * Undefined when the backend has no directory.
   */
  domainUsers?: string[];
}

/**
 * What the backend's credential may do in one organization (R3–R5).
 * `actorRole` is `system` for the embedded store opened directly (full authority).
 */
export interface Capabilities {
  actorRole: Role | "system";
  createOrganization: boolean;
  updateOrganization: boolean;
  invite: boolean;
  remove: boolean;
  /** R4: only the owner may promote a member to admin. */
  promoteToAdmin: boolean;
  /** Demotions and other role changes that are not promotions to admin. */
  changeRole: boolean;
  /** R5: only the current owner may transfer ownership. */
  transferOwnership: boolean;
}

export const FULL_CAPABILITIES: Capabilities = {
  actorRole: "system",
  createOrganization: true,
  updateOrganization: true,
  invite: true,
  remove: true,
  promoteToAdmin: true,
  changeRole: true,
  transferOwnership: true,
};
