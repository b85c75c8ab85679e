import type { ActualOrganization } from "../../model/index.js";
import { isTimestamp } from "../../model/index.js";
import type { BlockedStep, PlanWarning } from "../../plan/types.js";
import type { OrgReconcileResult, ReviewDueAt } from "../../reconcile/types.js";
import type { ConditionInput } from "../../adapters/kubernetes/conditions.js";
import { clip, mergeConditions } from "../../adapters/kubernetes/conditions.js";
import type { RosterObject } from "../../adapters/kubernetes/objects.js";
import type { Status, StatusUpdate } from "../../adapters/kubernetes/status-writer.js";

export type { Status };
import { isDeleting, memberEmail, refOf } from "../../adapters/kubernetes/objects.js";
import type { OrgObjects } from "../../adapters/kubernetes/org-objects.js";
import { reviewConditionOf, reviewStatusField } from "./review-status.js";

/** What one org's reconcile came to, as the status writer needs it. */
export interface OrgOutcome {
  /** Needs a human (invalid resources, a refused plan, a forbidden step): nothing was applied. */
  stalled?: { reason: string; message: string };
  /** Will retry by itself (backend unreachable, transient step failures). */
  retrying?: { reason: string; message: string };
  result?: OrgReconcileResult;
  /** The backend's view after the writes; undefined when it could not be read. */
  actual?: ActualOrganization | null;
  /** Per Member ref (`NAMESPACE/Member/NAME`): validation messages about that resource. */
  memberIssues?: ReadonlyMap<string, string>;
  /**
   * When the next access review is due; `null` when the pass read a spec without
   * `reviews.every`; undefined when the pass could not tell (invalid resources, deletion).
   */
  review?: ReviewDueAt | null;
}

export function organizationStatus(org: RosterObject, outcome: OrgOutcome, now: Date): Status {
  const at = now.toISOString();
  const blocked = outcome.result?.plan?.blocked ?? [];
  const applied = (outcome.result?.results ?? []).filter((r) => r.result === "applied").length;
  const actual = outcome.actual ?? undefined;
  const pending = actual?.invitations.filter((i) => i.status === "pending").length ?? 0;
  const warnings = outcome.result?.plan?.warnings ?? [];
  let conditions: ConditionInput[];
  if (isDeleting(org) && !outcome.stalled) {
    conditions = progressing(
      "Deleting",
      outcome.retrying?.message ?? "applying spec.deletionPolicy before the finalizer is released",
    );
  } else if (outcome.stalled) {
    const { reason, message } = outcome.stalled;
    conditions = [
      { type: "Ready", status: "False", reason, message: clip(message) },
      {
        type: "Reconciling",
        status: "False",
        reason,
        message: "waiting for a change to the resources",
      },
      { type: "Stalled", status: "True", reason, message: clip(message) },
    ];
  } else if (outcome.retrying) {
    conditions = progressing(outcome.retrying.reason, outcome.retrying.message);
  } else if (blocked.length > 0) {
    // Waiting on the world (an invitee must accept), not working: Reconciling=True here would
    // read as "in progress" forever to kstatus, and a Flux `wait: true` would time out.
    const message = describeBlocked(blocked);
    conditions = [
      { type: "Ready", status: "False", reason: "Blocked", message: clip(message) },
      {
        type: "Reconciling",
        status: "False",
        reason: "Blocked",
        message: "every step that can be applied is applied; the rest waits",
      },
      { type: "Stalled", status: "False", reason: "Blocked", message: "" },
    ];
  } else {
    const message =
      `${actual?.members.length ?? 0} members, ${pending} pending invitations` +
      (applied > 0 ? `; applied ${applied} changes` : "") +
      warningsSummary(warnings);
    conditions = [
      { type: "Ready", status: "True", reason: "Synced", message },
      { type: "Reconciling", status: "False", reason: "Synced", message: "nothing left to do" },
      { type: "Stalled", status: "False", reason: "Synced", message: "" },
    ];
  }
  const ready = conditions[0]?.status === "True";
  const review = reviewConditionOf(org, outcome.review, now);
  if (review) conditions.push(review);
  const status: Status = {
    observedGeneration: org.metadata.generation,
    lastSyncedAt: at,
    ready,
    conditions: mergeConditions(org.status?.conditions, conditions, at, org.metadata.generation),
  };
  if (actual) {
    status.owner = actual.members.find((m) => m.role === "owner")?.email ?? "";
    status.members = actual.members.length;
    status.pendingInvites = pending;
  }
  if (outcome.result?.plan) {
    status.blockedSteps = blocked.length;
    // The plan's warnings as `roster plan` prints them (members expiring within
    // spec.expiry.warnBefore, an overdue review…); [] clears those of an earlier pass.
    status.warnings = warnings.map((w) => ({
      code: w.code,
      ...(w.email === undefined ? {} : { email: w.email }),
      message: clip(w.message),
    }));
  }
  const reviewField = reviewStatusField(outcome.review);
  if (reviewField !== undefined) status.accessReview = reviewField;
  return status;
}

/** Flux and `kubectl get` show Ready's message: it says that there are warnings, and the first. */
function warningsSummary(warnings: readonly PlanWarning[]): string {
  const first = warnings[0];
  if (first === undefined) return "";
  const more = warnings.length > 1 ? ` (and ${warnings.length - 1} more in status.warnings)` : "";
  return `; warning: ${first.message}${more}`;
}

function progressing(reason: string, message: string): ConditionInput[] {
  return [
    { type: "Ready", status: "False", reason, message: clip(message) },
    { type: "Reconciling", status: "True", reason, message: clip(message) },
    { type: "Stalled", status: "False", reason, message: "" },
  ];
}

function describeBlocked(blocked: readonly BlockedStep[]): string {
  const shown = blocked
    .slice(0, 5)
    .map((b) => `${b.action} ${b.email ?? b.org}: ${b.blockedBy}`)
    .join("; ");
  return blocked.length > 5 ? `${shown}; and ${blocked.length - 5} more` : shown;
}

/** Member phase: Invited | Active | Blocked | Removing (DESIGN, issue "Status"). */
export function memberStatus(
  member: RosterObject,
  ref: string,
  outcome: OrgOutcome,
  now: Date,
): Status | undefined {
  const at = now.toISOString();
  const email = memberEmail(member) ?? "";
  const actual = outcome.actual ?? undefined;
  const joined = actual?.members.find((m) => m.email === email);
  const invitation = actual?.invitations.find((i) => i.email === email);
  const blocked = outcome.result?.plan?.blocked.find((b) => b.email === email);
  const failed = outcome.result?.results.find(
    (r) => r.result === "failed" && r.step.email === email,
  );
  const issue = outcome.memberIssues?.get(ref);

  let phase: string | undefined;
  let conditions: ConditionInput[];
  const state = (ready: boolean, reason: string, message: string, stalled = false) => [
    { type: "Ready", status: ready ? "True" : "False", reason, message: clip(message) } as const,
    {
      type: "Stalled",
      status: stalled ? "True" : "False",
      reason,
      message: stalled ? clip(message) : "",
    } as const,
  ];
  if (isDeleting(member)) {
    phase = "Removing";
    const why = outcome.stalled?.message ?? failed?.error?.message;
    conditions = state(
      false,
      "Removing",
      why
        ? `cannot revoke access yet: ${why}`
        : "revoking access (R6) before the finalizer is released",
      Boolean(outcome.stalled),
    );
  } else if (issue ?? outcome.stalled) {
    phase = "Blocked";
    const reason = outcome.stalled?.reason ?? "Invalid";
    conditions = state(false, reason, issue ?? outcome.stalled?.message ?? "", true);
  } else if (failed) {
    phase = "Blocked";
    const transient = failed.error?.transient ?? false;
    const message = `${failed.step.action} failed: ${failed.error?.message ?? "unknown error"}`;
    conditions = state(false, transient ? "Retrying" : "StepFailed", message, !transient);
  } else if (blocked) {
    phase = "Blocked";
    conditions = state(false, "Blocked", `${blocked.action}: ${blocked.blockedBy}`);
  } else if (joined) {
    phase = "Active";
    conditions = state(true, "Active", `member of ${actual?.name ?? ""} as ${joined.role}`);
  } else if (invitation) {
    phase = "Invited";
    const expired = invitation.status === "expired";
    conditions = state(
      false,
      expired ? "InvitationExpired" : "InvitationPending",
      expired
        ? `the invitation expired at ${invitation.expiresAt}; it is resent on the next sync`
        : `invited as ${invitation.role}; waiting for ${email} to accept`,
    );
  } else if (actual === undefined) {
    return undefined; // nothing known about the backend: keep what the status says
  } else {
    conditions = state(false, "Pending", "not in the backend yet");
  }

  const status: Status = {
    observedGeneration: member.metadata.generation,
    conditions: mergeConditions(
      member.status?.conditions,
      conditions,
      at,
      member.metadata.generation,
    ),
  };
  if (phase) status.phase = phase;
  // The CRD declares these `format: date-time`: the API server refuses the whole status patch
  // (422) for a time the backend reports another way, so such a time is left out.
  if (invitation && isTimestamp(invitation.sentAt)) status.invitedAt = invitation.sentAt;
  if (joined && isTimestamp(joined.since)) status.joinedAt = joined.since;
  return status;
}

/** Every status one pass writes: Members first, then their Organization. */
export function statusUpdates(
  objects: OrgObjects,
  outcome: OrgOutcome,
  released: ReadonlySet<string>,
  at: Date,
): StatusUpdate[] {
  const updates: StatusUpdate[] = [];
  for (const m of objects.members) {
    const ref = refOf("Member", m);
    if (released.has(ref)) continue;
    const status = memberStatus(m, ref, outcome, at);
    if (status) updates.push({ kind: "Member", object: m, status });
  }
  for (const o of objects.organizations) {
    updates.push({ kind: "Organization", object: o, status: organizationStatus(o, outcome, at) });
  }
  return updates;
}
