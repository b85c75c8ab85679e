import type { Capabilities } from "../model/index.js";
import { RULES, roleRank } from "../model/index.js";
import type { Role } from "../model/index.js";
import type { Step } from "./types.js";

/**
 * Why the backend's credential may not perform `step` (R3–R5), or undefined when it may.
 * Role changes that touch the owner role are ownership moves: only the owner's authority (R5)
 * may make them, whatever `changeRole` says.
 */
export function capabilityBlocker(step: Step, caps: Capabilities): string | undefined {
  const as = `this credential acts as ${caps.actorRole}`;
  switch (step.action) {
    case "createOrganization":
      return caps.createOrganization ? undefined : `${as} and may not create organizations`;
    case "updateOrganization":
      return caps.updateOrganization ? undefined : `${as} and may not change organization settings`;
    case "invite":
    case "resendInvite":
    case "cancelInvite":
      return caps.invite ? undefined : `R3: ${RULES.R3}; ${as}`;
    case "remove":
      return caps.remove ? undefined : `R3: ${RULES.R3}; ${as}`;
    case "transferOwnership":
      return caps.transferOwnership ? undefined : `R5: ${RULES.R5}; ${as}`;
    case "changeRole":
      return roleChangeBlocker(step.from, step.to, caps, as);
  }
}

function roleChangeBlocker(
  from: Role,
  to: Role,
  caps: Capabilities,
  as: string,
): string | undefined {
  if (from === "owner" || to === "owner") {
    return caps.transferOwnership ? undefined : `R5: ${RULES.R5}; ${as}`;
  }
  if (roleRank(to) > roleRank(from)) {
    return caps.promoteToAdmin ? undefined : `R4: ${RULES.R4}; ${as}`;
  }
  return caps.changeRole ? undefined : `R3: ${RULES.R3}; ${as}`;
}
