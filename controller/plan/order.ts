import type { PlanWarning, Step } from "./types.js";
import { compareText } from "./sorted-index.js";
import { PHASES, phaseOf } from "./types.js";

const PHASE_INDEX = new Map<string, number>(PHASES.map((p, i) => [p, i]));

function phaseIndex(step: Step): number {
  return PHASE_INDEX.get(phaseOf(step)) ?? PHASES.length;
}

/** The plan's order: phase, then organization, then email (then action, for ties). */
export function compareSteps(a: Step, b: Step): number {
  return (
    phaseIndex(a) - phaseIndex(b) ||
    compareText(a.org, b.org) ||
    compareText(a.email ?? "", b.email ?? "") ||
    compareText(a.action, b.action)
  );
}

/**
 * Sorts in place and returns `steps`. The diff mostly emits steps already in order (inputs are
 * sorted by email), so a linear check first avoids an O(n log n) sort on the common path.
 */
export function sortSteps<T extends Step>(steps: T[]): T[] {
  let sorted = true;
  for (let i = 1; i < steps.length && sorted; i++) {
    sorted = compareSteps(steps[i - 1] as T, steps[i] as T) <= 0;
  }
  if (!sorted) {
    // Decorate once: phaseOf per comparison would run ~n log n times.
    const keyed = steps.map((step) => ({ step, phase: phaseIndex(step) }));
    keyed.sort(
      (a, b) =>
        a.phase - b.phase ||
        compareText(a.step.org, b.step.org) ||
        compareText(a.step.email ?? "", b.step.email ?? "") ||
        compareText(a.step.action, b.step.action),
    );
    for (let i = 0; i < keyed.length; i++) steps[i] = (keyed[i] as { step: T }).step;
  }
  return steps;
}

export function sortWarnings(warnings: PlanWarning[]): PlanWarning[] {
  return warnings.sort(
    (a, b) =>
      compareText(a.org ?? "", b.org ?? "") ||
      compareText(a.email ?? "", b.email ?? "") ||
      compareText(a.code, b.code) ||
      compareText(a.message, b.message),
  );
}
