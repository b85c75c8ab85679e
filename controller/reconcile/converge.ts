import { applyPlan } from "../apply/index.js";
import type { DesiredState } from "../model/index.js";
import { plan as makePlan } from "../plan/index.js";
import type { ObservedOrganization, ObservedState, Plan } from "../plan/types.js";
import { isExpiryStep } from "../plan/types.js";
import { observeOrganization } from "./observe.js";
import type { ReconcileDeps, ReconcileOptions, StepResult } from "./types.js";

/** Rounds of apply per pass: the first, then at most two re-plans after conflicts. */
export const MAX_ROUNDS = 3;

const KEPT_CHANGING =
  "the organization kept changing while Roster wrote (precondition failed in every round): the next pass tries again";

/**
 * Applies `plan` to `orgs`, and when a write's precondition failed (someone else wrote since the
 * snapshot) observes that organization again, plans again and applies again — at most
 * MAX_ROUNDS in all — so two writers converge and each change is applied once. A re-plan that
 * the safety checks refuse (the removal limit counts the whole pass), or an organization that
 * cannot be observed any more, ends there.
 * Conflicts of the last round are reported as transient failures. Results keep the order in
 * which steps ran.
 */
export async function applyConverging(
  deps: Omit<ReconcileDeps, "source">,
  options: ReconcileOptions,
  plan: Plan,
  desired: DesiredState,
  observed: ObservedState,
  orgs: readonly string[],
  onStepDone: (result: StepResult, done: number, total: number) => void,
): Promise<StepResult[]> {
  const all: StepResult[] = [];
  let current = { plan, observed, orgs: [...orgs] };
  for (let round = 1; ; round++) {
    const steps = current.plan.steps.filter((s) => current.orgs.includes(s.org));
    const results = await applyPlan({ ...current.plan, steps }, deps.backend, deps.state, {
      desired,
      observed: current.observed,
      orgs: current.orgs,
      ...(deps.managedState ? { managedState: deps.managedState } : {}),
      concurrency: options.concurrency,
      retry: options.retry,
      actor: options.actor,
      signal: options.signal,
      onStepDone,
    });
    const conflicted = [...new Set(results.filter(isConflict).map((r) => r.step.org))];
    const last = round >= MAX_ROUNDS || conflicted.length === 0 || options.signal?.aborted;
    for (const r of results) {
      if (!isConflict(r)) all.push(r);
      else if (last) all.push(failedConflict(r, KEPT_CHANGING));
    }
    if (last) return all;
    current = await replan(deps, options, desired, conflicted, removalBudget(plan, all));
    // An organization the re-plan could not cover keeps its conflicts, as failures: dropping
    // them would report the pass as synced although those writes never happened.
    for (const r of results) {
      if (isConflict(r) && !current.orgs.includes(r.step.org)) {
        all.push(failedConflict(r, NOT_REPLANNED));
      }
    }
    if (current.orgs.length === 0) return all;
  }
}

const NOT_REPLANNED =
  "another writer changed the organization, and it could not be read or planned again safely: the next pass tries again";

function failedConflict(result: StepResult, message: string): StepResult {
  return { ...result, result: "failed", error: { message, transient: true } };
}

async function replan(
  deps: Omit<ReconcileDeps, "source">,
  options: ReconcileOptions,
  desired: DesiredState,
  orgs: readonly string[],
  budget: ReadonlyMap<string, number>,
): Promise<{ plan: Plan; observed: ObservedState; orgs: string[] }> {
  const observedOrgs = new Map<string, ObservedOrganization>();
  for (const org of subset(desired, orgs).organizations) {
    const observation = await observeOrganization(deps.backend, deps.managedState, org);
    if (observation.ok) observedOrgs.set(org.name, observation.observed);
  }
  const observed: ObservedState = { organizations: observedOrgs, undeclared: [] };
  const replanned = makePlan(subset(desired, [...observedOrgs.keys()]), observed, {
    maxRemovalsOverride: options.maxRemovalsOverride,
  });
  const refused = new Set(replanned.safety.refusals.map((r) => r.org));
  // The removal limit holds for the whole pass, not per round: what the earlier rounds removed
  // counts against it.
  for (const { org, count } of replanned.safety.removals) {
    if (count > (budget.get(org) ?? Infinity)) refused.add(org);
  }
  const next = [...observedOrgs.keys()].filter((org) => !refused.has(org));
  return { plan: replanned, observed, orgs: next };
}

/** Per organization, the removals the pass may still make: the first plan's limit less those done. */
function removalBudget(plan: Plan, done: readonly StepResult[]): Map<string, number> {
  const budget = new Map(plan.safety.removals.map((r) => [r.org, r.limit]));
  for (const { step, result } of done) {
    if (step.action !== "remove" || result !== "applied" || isExpiryStep(step)) continue;
    budget.set(step.org, (budget.get(step.org) ?? Infinity) - 1);
  }
  return budget;
}

function subset(desired: DesiredState, orgs: readonly string[]): DesiredState {
  return {
    revision: desired.revision,
    organizations: desired.organizations.filter((o) => orgs.includes(o.name)),
  };
}

function isConflict(result: StepResult): boolean {
  return result.result === "conflict";
}
