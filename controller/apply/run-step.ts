import type {
  IdentityBackend,
  InvitableRole,
  Role,
  WriteContext,
  WriteOutcome,
} from "../model/index.js";
import { isInvitableRole, isRole } from "../model/index.js";
import type { Step } from "../plan/types.js";

/** Thrown for a step the planner should never have produced (a missing field): a bug, not retried. */
export class MalformedStepError extends Error {
  constructor(step: Step, missing: string) {
    super(`malformed ${step.action} step for ${step.org}: ${missing}`);
    this.name = "MalformedStepError";
  }
}

/** One backend call per step: the whole mapping from the plan's vocabulary to the interface. */
export function runStep(
  backend: IdentityBackend,
  step: Step,
  ctx: WriteContext,
): Promise<WriteOutcome> {
  const { org } = step;
  switch (step.action) {
    case "createOrganization":
      return backend.createOrganization(org, need(step, "settings"), need(step, "email"), ctx);
    case "updateOrganization":
      return backend.updateOrganization(org, need(step, "settings"), ctx);
    case "invite":
      return backend.invite(org, need(step, "email"), invitable(step), ctx);
    case "resendInvite":
      return backend.resendInvite(org, need(step, "email"), ctx);
    case "cancelInvite":
      return backend.cancelInvite(org, need(step, "email"), ctx);
    case "changeRole":
      return backend.changeRole(
        org,
        need(step, "email"),
        role(step, need(step, "from")),
        role(step, need(step, "to")),
        ctx,
      );
    case "transferOwnership":
      return backend.transferOwnership(org, need(step, "from"), need(step, "to"), ctx);
    case "remove":
      return backend.remove(org, need(step, "email"), ctx);
  }
}

function need<K extends "email" | "from" | "to" | "settings">(
  step: Step,
  key: K,
): NonNullable<Step[K]> {
  const value = step[key];
  if (value === undefined || value === null) throw new MalformedStepError(step, `no ${key}`);
  return value;
}

function invitable(step: Step): InvitableRole {
  if (!isInvitableRole(step.role)) throw new MalformedStepError(step, `role ${String(step.role)}`);
  return step.role;
}

function role(step: Step, value: string): Role {
  if (!isRole(value)) throw new MalformedStepError(step, `role ${value}`);
  return value;
}
