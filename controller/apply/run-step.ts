import type { IdentityBackend, WriteContext, WriteOutcome } from "../model/index.js";
import type { Step } from "../plan/types.js";

/** One backend call per step: the whole mapping from the plan's vocabulary to the interface. */
export function runStep(
  backend: IdentityBackend,
  step: Step,
  ctx: WriteContext,
): Promise<WriteOutcome> {
  const { org } = step;
  switch (step.action) {
    case "createOrganization":
      return backend.createOrganization(org, step.settings, step.email, ctx);
    case "updateOrganization":
      return backend.updateOrganization(org, step.settings, ctx);
    case "invite":
      return backend.invite(org, step.email, step.role, ctx);
    case "resendInvite":
      return backend.resendInvite(org, step.email, ctx);
    case "cancelInvite":
      return backend.cancelInvite(org, step.email, ctx);
    case "changeRole":
      return backend.changeRole(org, step.email, step.from, step.to, ctx);
    case "transferOwnership":
      return backend.transferOwnership(org, step.from, step.to, ctx);
    case "remove":
      return backend.remove(org, step.email, ctx);
  }
}
