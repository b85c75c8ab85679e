import type {
  ActualOrganization,
  Capabilities,
  InvitableRole,
  OrgSettings,
  Role,
} from "../model/index.js";

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
 * an owner's API key could then no longer promote anyone (R4).
 */
export const PHASES = [
  "organizations",
  "promotions",
  "transfers",
  "invites",
  "demotions",
  "cancels",
  "removals",
] as const;
export type Phase = (typeof PHASES)[number];

/**
 * One change. JSON shape (stable, documented in README):
 * `{ action, org, email?, role?, from?, to?, reason }`.
 * - createOrganization: `email` = the declared owner, `role` = "owner", `settings`.
 * - updateOrganization: `settings` (the desired ones) and `changed` (field names).
 * - invite / resendInvite: `email`, `role`; cancelInvite: `email`, `role` (of the invitation).
 * - changeRole: `email`, `from`/`to` are roles.
 * - transferOwnership: `email` = new owner, `from`/`to` are the old and new owner's emails.
 * - remove: `email`, `role` (the role being revoked).
 */
export interface Step {
  action: StepAction;
  org: string;
  email?: string;
  role?: Role | InvitableRole;
  from?: string;
  to?: string;
  reason: string;
  settings?: OrgSettings;
  changed?: string[];
  /** True when the member was added by the backend's domain auto-provisioning (R8). */
  autoProvisioned?: boolean;
}

export interface BlockedStep extends Step {
  /** Why it cannot be done now: waiting for an invite to be accepted, R4/R5 for this credential… */
  blockedBy: string;
}

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
      return isUpward(step) ? "promotions" : "demotions";
  }
}

const RANK: Record<string, number> = { member: 0, admin: 1, owner: 2 };
function isUpward(step: Step): boolean {
  return (RANK[step.to ?? ""] ?? 0) > (RANK[step.from ?? ""] ?? 0);
}

/** What the backend and the controller's own memory say about one declared organization. */
export interface ObservedOrganization {
  /** null: the backend has no such organization yet. */
  actual: ActualOrganization | null;
  /** Emails Roster applied before (the managed set), normalised. */
  managed: ReadonlySet<string>;
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
}
