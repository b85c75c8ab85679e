import type { InvitableRole, Role } from "./role.js";

export const API_VERSION = "roster.workjet.io/v1alpha1";
export const KINDS = ["Organization", "Member", "AccessReview"] as const;
export type Kind = (typeof KINDS)[number];

/** Where a resource was declared: a file position, or a Kubernetes object reference. */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
}

/** `spec.safety.maxRemovals`: an absolute count, or a percentage of the org's active members. */
export type MaxRemovals = { kind: "count"; value: number } | { kind: "percent"; value: number };

/** The organization settings the identity backend itself stores (it needs them for R8). */
export interface OrgSettings {
  displayName: string;
  domains: string[];
  autoProvisioning: { enabled: boolean; role: InvitableRole };
  /** Invitation lifetime in seconds (`spec.invitations.expireAfter`). */
  inviteExpirySeconds: number;
}

/** Roster's own policy for an organization: never sent to the backend. */
export interface OrgPolicy {
  allowExternal: boolean;
  unmanaged: "remove" | "report";
  maxRemovals: MaxRemovals;
  deletionPolicy: "Orphan" | "Delete";
}

export interface DesiredMember {
  /** `metadata.name` of the Member resource. */
  name: string;
  /** Normalised (trimmed, lower-case). */
  email: string;
  role: Role;
  github?: string;
  /** `spec.expiresAt`, normalised to UTC ISO 8601: access ends at this instant. */
  expiresAt?: string;
  source?: SourceRef;
}

/**
 * Access-lifecycle settings of an organization (`spec.expiry`, `spec.reviews`). Absent when
 * the spec declares neither: the defaults below apply.
 */
export interface OrgLifecycle {
  /** Members expiring within this many seconds are warned about (`spec.expiry.warnBefore`). */
  expiryWarnBeforeSeconds: number;
  /** An access review is due this long after the latest one (`spec.reviews.every`). */
  reviewEverySeconds?: number;
}

/** An `AccessReview` resource: who reviewed an organization's access, and when. */
export interface DesiredAccessReview {
  name: string;
  /** Normalised email; load checks it is the owner or an admin at that revision. */
  reviewer: string;
  /** UTC ISO 8601. */
  reviewedAt: string;
  scope?: string;
  notes?: string;
  source?: SourceRef;
}

export interface DesiredOrganization {
  name: string;
  settings: OrgSettings;
  policy: OrgPolicy;
  /** Sorted by email. Exactly one has role `owner` (R2, checked by load). */
  members: DesiredMember[];
  lifecycle?: OrgLifecycle;
  /** AccessReviews of this organization, oldest first; absent when none is declared. */
  reviews?: DesiredAccessReview[];
  source?: SourceRef;
}

/** Everything a source declares, valid by construction (load refuses anything else). */
export interface DesiredState {
  /** Commit SHA, Kubernetes resourceVersion, or a content hash for a plain folder. */
  revision: string;
  /** Sorted by name. */
  organizations: DesiredOrganization[];
}

export const DEFAULT_INVITE_EXPIRY_SECONDS = 7 * 86400;
export const DEFAULT_EXPIRY_WARN_SECONDS = 7 * 86400;

export function defaultOrgSettings(name: string): OrgSettings {
  return {
    displayName: name,
    domains: [],
    autoProvisioning: { enabled: false, role: "member" },
    inviteExpirySeconds: DEFAULT_INVITE_EXPIRY_SECONDS,
  };
}

export function defaultOrgPolicy(): OrgPolicy {
  return {
    allowExternal: true,
    unmanaged: "remove",
    maxRemovals: { kind: "count", value: 10 },
    deletionPolicy: "Orphan",
  };
}
