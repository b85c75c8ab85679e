import type {
  ActualOrganization,
  Capabilities,
  InvitableRole,
  OrgSettings,
  Role,
} from "../model/index.js";
import { roleRank } from "../model/index.js";

export const STEP_ACTIONS = [
  "createOrganization",
  "updateOrganization",
  "invite",
  "resendInvite",
  "cancelInvite",
  "changeRole",
  "transferOwnership",
  "remove",
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/**
 * Execution phases, in order (DESIGN: transfers before demotions and removals; promotions
 * before demotions). Steps inside one phase are independent and may run concurrently.
 * Promotions come before transfers: a transfer makes the caller's own key an admin's (R5), and
 * an owner's API key could then no longer promote anyone (R4). Steps that change the
 * credential's own membership (`credential`) run last: once its holder is demoted or removed,
 * the key could do nothing else.
 */
export const PHASES = [
  "organizations",
  "promotions",
  "transfers",
  "invites",
  "demotions",
  "cancels",
  "removals",
  "credential",
] as const;
export type Phase = (typeof PHASES)[number];

/** Fields every step has; the JSON shape (README) is `{ action, org, email?, role?, from?, to?, reason }`. */
interface StepBase {
  org: string;
  reason: string;
  /** The step changes the backend credential's own membership: it runs after every other step. */
  credential?: true;
}

/** Absent on organization steps; declared so that `step.email` reads as `undefined` there. */
interface NoMember {
  email?: undefined;
  role?: undefined;
  from?: undefined;
  to?: undefined;
}

/** `email` is the declared owner, who is the active owner from the first moment (R2). */
export interface CreateOrganizationStep extends StepBase, Omit<NoMember, "email" | "role"> {
  action: "createOrganization";
  email: string;
  role: "owner";
  settings: OrgSettings;
}

/** `settings` are the desired ones; `changed` names the fields that differ. */
export interface UpdateOrganizationStep extends StepBase, NoMember {
  action: "updateOrganization";
  settings: OrgSettings;
  changed: string[];
}

interface NoOrgFields {
  settings?: undefined;
  changed?: undefined;
}

export interface InviteStep extends StepBase, NoOrgFields {
  action: "invite" | "resendInvite";
  email: string;
  role: InvitableRole;
  from?: undefined;
  to?: undefined;
  /** True when the member is added by the backend's domain auto-provisioning (R8). */
  autoProvisioned?: boolean;
}

/** `role` is the invitation's. */
export interface CancelInviteStep extends StepBase, NoOrgFields {
  action: "cancelInvite";
  email: string;
  role: InvitableRole;
  from?: undefined;
  to?: undefined;
  /**
   * The declared `spec.expiresAt` (RFC 3339) that ended this member's access. Such removals
   * were reviewed in Git with their date: `maxRemovals` does not cap them, and renderers list
   * them apart.
   */
  expiresAt?: string;
}

/** `from` / `to` are roles. */
export interface ChangeRoleStep extends StepBase, NoOrgFields {
  action: "changeRole";
  email: string;
  role?: undefined;
  from: Role;
  to: Role;
}

/** `email` is the new owner; `from` / `to` are the old and the new owner's emails. */
export interface TransferOwnershipStep extends StepBase, NoOrgFields {
  action: "transferOwnership";
  email: string;
  role?: undefined;
  from: string;
  to: string;
}

/** `role` is the role being revoked. */
export interface RemoveStep extends StepBase, NoOrgFields {
  action: "remove";
  email: string;
  role: Role;
  from?: undefined;
  to?: undefined;
  /**
   * The declared `spec.expiresAt` (RFC 3339) that ended this member's access. Such removals
   * were reviewed in Git with their date: `maxRemovals` does not cap them, and renderers list
   * them apart.
   */
  expiresAt?: string;
}

/** A revocation because a declared expiry passed (listed apart, not capped by maxRemovals). */
export type ExpiryStep = (RemoveStep | CancelInviteStep) & { expiresAt: string };

export function isExpiryStep(step: Step): step is ExpiryStep {
  return (
    (step.action === "remove" || step.action === "cancelInvite") && step.expiresAt !== undefined
  );
}

/** One change: a union by `action`, so each field means one thing per action. */
export type Step =
  | CreateOrganizationStep
  | UpdateOrganizationStep
  | InviteStep
  | CancelInviteStep
  | ChangeRoleStep
  | TransferOwnershipStep
  | RemoveStep;

/** A step of one action, e.g. `StepOf<"changeRole">`. */
export type StepOf<A extends StepAction> = Extract<Step, { action: A }>;

/** `blockedBy`: why it cannot be done now (waiting for an invite to be accepted, R4/R5 for this credential…). */
export type BlockedStep = Step & { blockedBy: string };

export interface PlanWarning {
  org?: string;
  email?: string;
  code: string;
  message: string;
}

export interface SafetyRefusal {
  org: string;
  /** e.g. `max-removals`, `owner-count`, `empty-source`. */
  rule: string;
  message: string;
  hint?: string;
}

export interface SafetyVerdict {
  safe: boolean;
  refusals: SafetyRefusal[];
  /** Per org: removals planned and the limit that applied. */
  removals: { org: string; count: number; limit: number }[];
}

/** The plan is a value: dry-run output, JSON, the PR comment and the executor all read it. */
export interface Plan {
  revision: string;
  /** Ordered by phase, then org, then email. */
  steps: Step[];
  blocked: BlockedStep[];
  warnings: PlanWarning[];
  safety: SafetyVerdict;
}

export function phaseOf(step: Step): Phase {
  if (step.credential) return "credential";
  switch (step.action) {
    case "createOrganization":
    case "updateOrganization":
      return "organizations";
    case "transferOwnership":
      return "transfers";
    case "invite":
    case "resendInvite":
      return "invites";
    case "cancelInvite":
      return "cancels";
    case "remove":
      return "removals";
    case "changeRole":
      return roleRank(step.to) > roleRank(step.from) ? "promotions" : "demotions";
  }
}

/** What the backend and the controller's own memory say about one declared organization. */
export interface ObservedOrganization {
  /** null: the backend has no such organization yet. */
  actual: ActualOrganization | null;
  /**
   * Emails Roster manages (the backend's per-record marks, or the explicit state location for a
   * backend without them), normalised.
   */
  managed: ReadonlySet<string>;
  /** False when neither the backend nor a state location remembers what Roster manages. */
  managedKnown?: boolean;
  capabilities: Capabilities;
}

export interface ObservedState {
  /** Keyed by organization name; one entry per declared organization. */
  organizations: ReadonlyMap<string, ObservedOrganization>;
  /** Organizations the backend (or the managed sets) know but the source no longer declares. */
  undeclared: readonly string[];
}

export interface PlanOptions {
  /** `--max-removals N`: an explicit override of every org's `safety.maxRemovals`. */
  maxRemovalsOverride?: number;
  /**
   * The clock, injected (plan stays pure): declared `expiresAt` at or before it revoke the
   * member; without it expiries are ignored.
   */
  now?: Date;
}

/** True for an invitation the backend's domain auto-provisioning asked for (R8). */
export function isAutoProvisioned(step: Step): boolean {
  return (
    (step.action === "invite" || step.action === "resendInvite") && step.autoProvisioned === true
  );
}
