import type { StepResult } from "../../apply/index.js";
import type { SafetyRefusal, Step, StepAction } from "../../plan/types.js";
import type { RecordedEvent } from "../../adapters/kubernetes/events.js";
import type { OrgObjects } from "../../adapters/kubernetes/org-objects.js";
import { memberEmail } from "../../adapters/kubernetes/objects.js";

const REASONS: Record<StepAction, string> = {
  createOrganization: "OrganizationCreated",
  updateOrganization: "OrganizationUpdated",
  invite: "Invited",
  resendInvite: "InvitationResent",
  cancelInvite: "InvitationCancelled",
  changeRole: "RoleChanged",
  transferOwnership: "OwnershipTransferred",
  remove: "AccessRevoked",
};

export function describeStep(step: Step): string {
  switch (step.action) {
    case "createOrganization":
      return `created organization ${step.org} with owner ${step.email ?? ""}`;
    case "updateOrganization":
      return `updated ${step.changed?.join(", ") ?? "settings"} of ${step.org}`;
    case "invite":
      return `invited ${step.email ?? ""} as ${step.role ?? ""}`;
    case "resendInvite":
      return `resent the invitation of ${step.email ?? ""}`;
    case "cancelInvite":
      return `cancelled the invitation of ${step.email ?? ""}`;
    case "changeRole":
      return `changed the role of ${step.email ?? ""} from ${step.from ?? ""} to ${step.to ?? ""}`;
    case "transferOwnership":
      return `transferred ownership from ${step.from ?? ""} to ${step.to ?? ""}`;
    case "remove":
      return `removed ${step.email ?? ""} and revoked their API keys and sessions (R6)`;
  }
}

/**
 * One Event per applied step (Normal) and per failed step or refusal (Warning), on the Member the
 * step is about when there is one, else on the Organization. `noop` steps record nothing.
 */
export function stepEvents(
  objects: OrgObjects,
  results: readonly StepResult[],
  refusals: readonly SafetyRefusal[],
): RecordedEvent[] {
  const org = objects.organizations[0];
  const byEmail = new Map(objects.members.map((m) => [memberEmail(m), m]));
  const events: RecordedEvent[] = [];
  for (const r of results) {
    if (r.result === "noop") continue;
    const member = r.step.email === undefined ? undefined : byEmail.get(r.step.email);
    const target = member
      ? { kind: "Member" as const, object: member }
      : org
        ? { kind: "Organization" as const, object: org }
        : undefined;
    if (!target) continue;
    events.push(
      r.result === "applied"
        ? {
            ...target,
            type: "Normal",
            reason: REASONS[r.step.action],
            message: `${describeStep(r.step)}: ${r.step.reason}`,
          }
        : {
            ...target,
            type: "Warning",
            reason: "StepFailed",
            message: `${describeStep(r.step)} failed: ${r.error?.message ?? "unknown error"}`,
          },
    );
  }
  if (org) {
    for (const refusal of refusals) {
      events.push({
        kind: "Organization",
        object: org,
        type: "Warning",
        reason: "Refused",
        message: refusal.hint ? `${refusal.message} (${refusal.hint})` : refusal.message,
      });
    }
  }
  return events;
}
