import { PRECONDITION_FAILED } from "../model/index.js";
import type { BlockedStep, Step } from "../plan/types.js";
import type { StepResult } from "./types.js";

type Blocker = NonNullable<StepResult["error"]>;

/**
 * What a later step needs from an earlier one. Phases already order the plan; this only stops a
 * step whose precondition failed from being attempted:
 * - a failed createOrganization: nothing else in that org can succeed;
 * - a failed or blocked transferOwnership: the old owner is still the owner, so demoting or
 *   removing them would leave the org without one (R2) — they wait for the transfer.
 */
export class Dependencies {
  private readonly orgFailed = new Map<string, Blocker>();
  private readonly heldOwners = new Map<string, Blocker>();

  constructor(blocked: readonly BlockedStep[]) {
    for (const b of blocked) {
      if (b.action === "transferOwnership") {
        this.heldOwners.set(key(b.org, b.from), {
          message: `not attempted: the ownership transfer to ${b.to} is blocked (${b.blockedBy})`,
          transient: true,
        });
      }
    }
  }

  record(result: StepResult): void {
    const failed = result.result === "failed" || result.result === "conflict";
    if (!failed || result.attempts === 0) return;
    const { step } = result;
    const transient = result.error?.transient ?? false;
    // A dependent of a refused precondition is planned again with it, not reported as failed.
    const code = result.result === "conflict" ? { code: PRECONDITION_FAILED } : {};
    if (step.action === "createOrganization") {
      this.orgFailed.set(step.org, {
        message: `not attempted: creating organization ${step.org} failed`,
        transient,
        ...code,
      });
    } else if (step.action === "transferOwnership") {
      this.heldOwners.set(key(step.org, step.from), {
        message: `not attempted: the ownership transfer from ${step.from} to ${step.to} failed`,
        transient,
        ...code,
      });
    }
  }

  /** Why `step` must not run, or undefined when it may. */
  blocker(step: Step): Blocker | undefined {
    const org = this.orgFailed.get(step.org);
    if (org && step.action !== "createOrganization") return org;
    if (step.action === "changeRole" || step.action === "remove") {
      return this.heldOwners.get(key(step.org, step.email));
    }
    return undefined;
  }
}

const key = (org: string, email: string) => `${org}\u0000${email}`;
