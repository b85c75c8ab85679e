import type { Capabilities } from "../model/index.js";
import { capabilitiesOf, roleRank } from "../model/index.js";
import type { PlanBuilder } from "./builder.js";
import { capabilityBlocker } from "./capabilities.js";
import type { Step } from "./types.js";
import { PHASES, phaseOf } from "./types.js";

const TRANSFERS = PHASES.indexOf("transfers");

/**
 * The credential knows itself (`caps.identity`): the steps that demote or remove its own holder
 * run after every other step of the organization (`credential`), or the key would lose the
 * authority the other steps need half-way through. When the plan transfers ownership away from
 * the credential, it acts as an admin from the transfer on (R5): what an admin may not do after
 * that is blocked with the reason, not attempted. Rewrites the organization's steps, which start
 * at `from` in `out.steps`.
 */
export function placeCredentialSteps(out: PlanBuilder, from: number, caps: Capabilities): void {
  const me = caps.identity;
  if (me === undefined) return;
  const steps = out.steps.splice(from);
  const transfersAway = steps.some((s) => s.action === "transferOwnership" && s.from === me);
  const afterTransfer: Capabilities = { ...capabilitiesOf("admin"), identity: me };
  for (const original of steps) {
    const step: Step = changesOwnMembership(original, me)
      ? { ...original, credential: true }
      : original;
    if (transfersAway && PHASES.indexOf(phaseOf(step)) > TRANSFERS) {
      const blocker = capabilityBlocker(step, afterTransfer);
      if (blocker !== undefined) {
        out.block(step, `after the ownership transfer this credential acts as admin: ${blocker}`);
        continue;
      }
    }
    out.steps.push(step);
  }
}

function changesOwnMembership(step: Step, me: string): boolean {
  if (step.email !== me) return false;
  if (step.action === "remove") return true;
  return step.action === "changeRole" && roleRank(step.to) < roleRank(step.from);
}
