import type { DesiredOrganization, DesiredState } from "../model/index.js";
import { FULL_CAPABILITIES, RULES } from "../model/index.js";
import { PlanBuilder } from "./builder.js";
import { diffMembers } from "./diff-members.js";
import { planNewOrganization, planSettings } from "./diff-org.js";
import { placeCredentialSteps } from "./credential.js";
import { planExpirations, warnExpiringSoon, withoutExpired } from "./expiry.js";
import { warnReviewDue } from "./review-due.js";
import { buildOrgContext } from "./org-context.js";
import { sortSteps, sortWarnings } from "./order.js";
import { planOwnership } from "./ownership.js";
import { checkSafety } from "./safety.js";
import type { ObservedState, Plan, PlanOptions, SafetyRefusal } from "./types.js";

export * from "./types.js";
export { checkSafety, removalLimit } from "./safety.js";
export { simulateOwners } from "./owner-simulation.js";
export { expirations, isExpired, nextExpiry } from "./expiry.js";
export { latestReview, reviewDue, reviewsDue } from "./review-due.js";
export type { ReviewDue } from "./review-due.js";

/**
 * Desired vs. observed → the ordered steps that make the backend match, each with its reason;
 * what cannot be done now (`blocked`); what is left alone (`warnings`); and the safety verdict.
 * Pure and deterministic: no I/O, the same inputs give the same plan, O(members).
 */
export function plan(
  desired: DesiredState,
  observed: ObservedState,
  options: PlanOptions = {},
): Plan {
  const out = new PlanBuilder(FULL_CAPABILITIES);
  const refusals: SafetyRefusal[] = [];
  const orgs = [...desired.organizations].sort((a, b) => (a.name < b.name ? -1 : 1));
  const now = options.now?.getTime();

  for (const desiredOrg of orgs) {
    const observedOrg = observed.organizations.get(desiredOrg.name);
    if (observedOrg === undefined) {
      out.warn({
        org: desiredOrg.name,
        code: "not-observed",
        message: `${desiredOrg.name} is declared but was not observed in the backend: nothing planned for it`,
      });
      continue;
    }
    const owner = declaredOwner(desiredOrg, refusals);
    if (owner === undefined) continue;
    out.useCapabilities(observedOrg.capabilities);
    warnExpiringSoon(desiredOrg, now, out);
    warnReviewDue(desiredOrg, now, out);
    if (observedOrg.actual === null) {
      planNewOrganization(withoutExpired(desiredOrg, now), owner, out);
      continue;
    }
    if (observedOrg.managedKnown === false) {
      out.warn({
        org: desiredOrg.name,
        code: "managed-unknown",
        message: `${desiredOrg.name}: this backend keeps no record of what Roster manages and no --state was given, so removals by memory are unknown: members deleted from Git are handled by unmanaged: ${desiredOrg.policy.unmanaged}`,
      });
    }
    const start = out.steps.length;
    planSettings(desiredOrg, observedOrg.actual.settings, out);
    const ctx = buildOrgContext(desiredOrg, observedOrg.actual, observedOrg.managed, owner, out);
    const expired = planExpirations(ctx, now);
    const handled = planOwnership(ctx);
    for (const email of expired) handled.add(email);
    diffMembers(ctx, handled);
    placeCredentialSteps(out, start, observedOrg.capabilities);
  }

  for (const name of observed.undeclared) {
    out.warn({
      org: name,
      code: "undeclared-organization",
      message: `${name} is no longer declared in the source: left alone in the backend, never emptied by omission`,
    });
  }

  const steps = sortSteps(out.steps);
  return {
    revision: desired.revision,
    steps,
    blocked: sortSteps(out.blocked),
    warnings: sortWarnings(out.warnings),
    safety: checkSafety(steps, desired, observed, options, refusals),
  };
}

/** Load guarantees exactly one owner (R2); a state built another way is refused, not guessed. */
function declaredOwner(org: DesiredOrganization, refusals: SafetyRefusal[]): string | undefined {
  const owners = org.members.filter((m) => m.role === "owner");
  if (owners.length === 1) return (owners[0] as { email: string }).email;
  refusals.push({
    org: org.name,
    rule: "declared-owner",
    message: `${org.name} declares ${owners.length} owners (R2: ${RULES.R2}); nothing planned for it`,
    hint: "declare exactly one Member with role owner",
  });
  return undefined;
}
