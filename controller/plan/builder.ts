import type { Capabilities } from "../model/index.js";
import { capabilityBlocker } from "./capabilities.js";
import type { BlockedStep, PlanWarning, Step } from "./types.js";

/**
 * Collects what the diff decides. Every proposed step goes through the credential's
 * capabilities first: a step it may not do lands in `blocked`, never in `steps`.
 */
export class PlanBuilder {
  readonly steps: Step[] = [];
  readonly blocked: BlockedStep[] = [];
  readonly warnings: PlanWarning[] = [];
  private caps: Capabilities;

  constructor(caps: Capabilities) {
    this.caps = caps;
  }

  /** Switches to another organization's credential. */
  useCapabilities(caps: Capabilities): void {
    this.caps = caps;
  }

  /**
   * Adds `step` unless `waitingFor` says it must wait for something else, or the credential may
   * not do it. Returns true when the step will be applied in this run.
   */
  propose(step: Step, waitingFor?: string): boolean {
    const blockedBy = waitingFor ?? capabilityBlocker(step, this.caps);
    if (blockedBy !== undefined) {
      this.blocked.push({ ...step, blockedBy });
      return false;
    }
    this.steps.push(step);
    return true;
  }

  block(step: Step, blockedBy: string): void {
    this.blocked.push({ ...step, blockedBy });
  }

  warn(warning: PlanWarning): void {
    this.warnings.push(warning);
  }
}
