import type { DesiredState, MaxRemovals } from "../model/index.js";
import { simulateOwners } from "./owner-simulation.js";
import type { ObservedState, PlanOptions, SafetyRefusal, SafetyVerdict, Step } from "./types.js";

/** One org's removal limit: the explicit override, else a count or a percent (rounded down). */
export function removalLimit(
  maxRemovals: MaxRemovals,
  activeMembers: number,
  override?: number,
): number {
  if (override !== undefined) return override;
  if (maxRemovals.kind === "count") return maxRemovals.value;
  return Math.floor((maxRemovals.value * activeMembers) / 100);
}

/**
 * Pure guards over the ordered steps, run before anything is applied. Any refusal marks the plan
 * unsafe (`safe: false`); a refusal names its organization, and nothing is applied to that
 * organization while the others, independent of it, go on. A refusal for `*` (an empty source)
 * concerns every organization. `extra` carries refusals the diff found (a declared org with no
 * single owner).
 */
export function checkSafety(
  steps: readonly Step[],
  desired: DesiredState,
  observed: ObservedState,
  options: PlanOptions = {},
  extra: readonly SafetyRefusal[] = [],
): SafetyVerdict {
  const refusals: SafetyRefusal[] = [];
  if (desired.organizations.length === 0) {
    refusals.push({
      org: "*",
      rule: "empty-source",
      message: "the source declares no organization: refusing to read nothing as “remove everyone”",
      hint: "check the source path and revision; an organization left out of the source is left alone in the backend, never emptied",
    });
  }
  refusals.push(...extra);

  // Only steps that change roles matter to the owner count (and removals to the limit): an
  // invite-only plan of 100k steps groups nothing.
  const byOrg = new Map<string, Step[]>();
  for (const step of steps) {
    if (!changesRoles(step)) continue;
    const list = byOrg.get(step.org);
    if (list === undefined) byOrg.set(step.org, [step]);
    else list.push(step);
  }

  const removals: SafetyVerdict["removals"] = [];
  const orgs = [...desired.organizations].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const org of orgs) {
    const observedOrg = observed.organizations.get(org.name);
    if (observedOrg === undefined) continue;
    const orgSteps = byOrg.get(org.name) ?? [];
    let count = 0;
    // Expiry removals were reviewed in Git with their date: the limit does not cap them.
    for (const s of orgSteps) if (s.action === "remove" && s.expiresAt === undefined) count++;
    const active = observedOrg.actual?.members.length ?? 0;
    const limit = removalLimit(org.policy.maxRemovals, active, options.maxRemovalsOverride);
    removals.push({ org: org.name, count, limit });
    if (count > limit) {
      const source =
        options.maxRemovalsOverride !== undefined
          ? `--max-removals ${options.maxRemovalsOverride}`
          : org.policy.maxRemovals.kind === "count"
            ? `safety.maxRemovals ${org.policy.maxRemovals.value}`
            : `safety.maxRemovals ${org.policy.maxRemovals.value}% of ${active} active members`;
      refusals.push({
        org: org.name,
        rule: "max-removals",
        message: `${org.name}: ${count} ${count === 1 ? "removal" : "removals"} planned, more than the limit of ${limit} (${source})`,
        hint: `review the plan; if these removals are intended, re-run with --max-removals ${count}`,
      });
    }
    const broken = simulateOwners(observedOrg.actual, orgSteps);
    if (broken !== undefined) {
      refusals.push({
        org: org.name,
        rule: "owner-count",
        message: `${org.name}: ${broken} (R2: exactly one owner)`,
        hint: "ownership moves only by one transfer to an active member; the owner is never removed or demoted otherwise",
      });
    }
  }
  return { safe: refusals.length === 0, refusals, removals };
}

function changesRoles(step: Step): boolean {
  switch (step.action) {
    case "createOrganization":
    case "transferOwnership":
    case "changeRole":
    case "remove":
      return true;
    default:
      return false;
  }
}
