import type { Capabilities, PolicyChange } from "../model/index.js";
import { decide, settingChange } from "../model/index.js";
import type { Step } from "./types.js";

/**
 * Why the backend's credential may not perform `step`, or undefined when it may: the policy
 * (model/policy.ts) is asked about every change the step makes, with the credential's role.
 */
export function capabilityBlocker(step: Step, caps: Capabilities): string | undefined {
  const actor =
    caps.identity === undefined
      ? { role: caps.actorRole }
      : { role: caps.actorRole, identity: caps.identity };
  for (const change of changesOf(step)) {
    const decision = decide(actor, change);
    if (!decision.allowed) return `${decision.message}; this credential acts as ${caps.actorRole}`;
  }
  return undefined;
}

/** The policy's changes one step makes (an updateOrganization makes one per changed setting). */
function changesOf(step: Step): PolicyChange[] {
  switch (step.action) {
    case "createOrganization":
      return [{ kind: "createOrganization", owner: step.email ?? "" }];
    case "updateOrganization": {
      const settings = step.settings;
      if (!settings) return [];
      return (step.changed ?? []).map((name) =>
        settingChange(name as Parameters<typeof settingChange>[0], settings),
      );
    }
    case "invite":
    case "resendInvite":
      return [{ kind: "invite", role: step.role }];
    case "cancelInvite":
      return [{ kind: "cancelInvite" }];
    case "remove":
      return [{ kind: "remove", role: step.role }];
    case "transferOwnership":
      return [{ kind: "transferOwnership" }];
    case "changeRole":
      return [{ kind: "changeRole", from: step.from, to: step.to }];
  }
}
