import type { ActorRole } from "./policy.js";
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
 * Who the backend's credential is in one organization: its role there (`system` for the
 * embedded store opened directly, `none` for a key of another organization) and its own email
 * (absent for the system actor). What it may do is asked of the policy (policy.ts), step by
 * step; the credential knows itself so that its own demotion or removal can come last.
 */
export interface Capabilities {
  actorRole: ActorRole;
  identity?: string;
}

export const FULL_CAPABILITIES: Capabilities = { actorRole: "system" };
