import type { InvitableRole, Role } from "../model/index.js";

/** `Organization.spec` after validation: every defaulted field is present. */
export interface OrganizationSpec {
  displayName?: string;
  domains: string[];
  allowExternal: boolean;
  autoProvisioning: { enabled: boolean; role: InvitableRole };
  invitations: { expireAfter: string };
  unmanaged: "remove" | "report";
  safety: { maxRemovals: number | string };
  deletionPolicy: "Orphan" | "Delete";
  expiry?: { warnBefore?: string };
  reviews?: { every?: string };
}

/** `Member.spec` after validation. */
export interface MemberSpec {
  organization: string;
  email: string;
  role: Role;
  github?: string;
  expiresAt?: string;
}

/** `AccessReview.spec` after validation. */
export interface AccessReviewSpec {
  organization: string;
  reviewer: string;
  reviewedAt: string;
  scope?: string;
  notes?: string;
}

/** metav1.Condition, as the CRDs' status schema declares it. */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface OrganizationStatus {
  conditions?: Condition[];
  observedGeneration?: number;
  lastSyncedAt?: string;
  owner?: string;
  members?: number;
  pendingInvites?: number;
  blockedSteps?: number;
  ready?: boolean;
}

export type MemberPhase = "Invited" | "Active" | "Blocked" | "Removing";

export interface MemberStatus {
  phase?: MemberPhase;
  conditions?: Condition[];
  observedGeneration?: number;
  invitedAt?: string;
  joinedAt?: string;
}
