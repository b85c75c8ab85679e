import type { Plan } from "../plan/types.js";

/** A refusal that names no declared org (an empty source) refuses the whole plan. */
export function isGlobalRefusal(org: string, declared: ReadonlySet<string>): boolean {
  return !declared.has(org);
}

/** The part of a plan that concerns one organization, for per-org status and rendering. */
export function planFor(plan: Plan, org: string): Plan {
  const refusals = plan.safety.refusals.filter((r) => r.org === org);
  return {
    revision: plan.revision,
    steps: plan.steps.filter((s) => s.org === org),
    blocked: plan.blocked.filter((s) => s.org === org),
    warnings: plan.warnings.filter((w) => w.org === org),
    safety: {
      safe: refusals.length === 0,
      refusals,
      removals: plan.safety.removals.filter((r) => r.org === org),
    },
  };
}
