import type { InvitableRole, Role } from "./role.js";
import type { OrgSettings } from "./resources.js";

export interface ActualMember {
  email: string;
  role: Role;
  /** ISO 8601: when the membership began. */
  since: string;
  /** True when the backend added this member by domain auto-provisioning (R8). */
  autoProvisioned?: boolean;
  /** Opaque; changes with every write to this membership. A conditional write names it. */
  version?: string;
  /** Roster manages this membership (set by Roster's writes, kept by the backend). */
  managed?: boolean;
}

export interface ActualInvitation {
  email: string;
  role: InvitableRole;
  sentAt: string;
  expiresAt: string;
  status: "pending" | "expired";
  /** Opaque; changes with every write to this invitation (a resend issues a new one). */
  version?: string;
  /** Roster sent this invitation for a declared member; accepting carries the mark over. */
  managed?: boolean;
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
  /** Opaque; changes with every write to the settings. */
  settingsVersion?: string;
}

/**
 * What the backend's credential may do in one organization (R3–R5).
 * `actorRole` is `system` for the embedded store opened directly (full authority).
 */
export interface Capabilities {
  actorRole: Role | "system";
  /** The credential's own email (an API key's holder); absent for the system actor. */
  identity?: string;
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
