import type { DesiredState, Issue, SourceSnapshot } from "../model/index.js";
import { hasErrors } from "../model/index.js";
import { loadDesiredState } from "../load/index.js";
import { plan as makePlan, nextExpiry, reviewsDue } from "../plan/index.js";
import type { ObservedOrganization, ObservedState, Plan } from "../plan/types.js";
import { recoverIntents } from "../apply/index.js";
import { applyConverging } from "./converge.js";
import { failure, observeOrganization } from "./observe.js";
import type { ObserveFailure } from "./observe.js";
import { isGlobalRefusal, planFor } from "./org-plan.js";
import type {
  OrgReconcileResult,
  ReconcileDeps,
  ReconcileOptions,
  ReconcileResult,
  StepResult,
} from "./types.js";

/**
 * One pass: read the source → load and validate → observe each declared org → plan → apply what
 * is safe. An unreadable or invalid source writes nothing anywhere; an org that cannot be observed
 * or that the safety checks refuse writes nothing there while the other orgs go on.
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const now = options.now ?? new Date();
  const read = await loadSource(deps, now);
  if ("stopped" in read) return read.stopped;
  return reconcileLoaded(deps, read.loaded, { ...options, now });
}

/** A source read and validated once, reconciled org by org (`roster run`'s source pass). */
export interface LoadedSource {
  desired: DesiredState;
  issues: Issue[];
}

/**
 * Reads and validates the source: the loaded revision, or the result of a pass that stops there
 * (unreadable source, invalid resources: nothing may be written anywhere).
 */
export async function loadSource(
  deps: Pick<ReconcileDeps, "source" | "observer">,
  now: Date,
): Promise<{ loaded: LoadedSource } | { stopped: ReconcileResult }> {
  let snapshot: SourceSnapshot;
  try {
    snapshot = await deps.source.read();
  } catch (error) {
    return { stopped: { issues: [], sourceError: failure(error), orgs: [] } };
  }
  const loaded = loadDesiredState(snapshot, { describe: deps.source.describe, now });
  deps.observer?.onLoaded?.(snapshot.revision, loaded.issues);
  if (!loaded.state || hasErrors(loaded.issues)) {
    return { stopped: { revision: snapshot.revision, issues: loaded.issues, orgs: [] } };
  }
  return { loaded: { desired: loaded.state, issues: loaded.issues } };
}

/** The rest of a pass over a loaded revision: observe → plan → apply (`options.orgs`: some). */
export async function reconcileLoaded(
  deps: Omit<ReconcileDeps, "source">,
  source: LoadedSource,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const now = options.now ?? new Date();
  const desired = source.desired;
  const selected = desired.organizations.filter(
    (o) => options.orgs === undefined || options.orgs.includes(o.name),
  );
  // Asked for orgs the source does not declare (any more): nothing to plan, and an empty
  // selection must not read as an empty source.
  if (selected.length === 0 && desired.organizations.length > 0) {
    return { revision: desired.revision, issues: source.issues, orgs: [] };
  }

  const observedOrgs = new Map<string, ObservedOrganization>();
  const failed = new Map<string, ObserveFailure>();
  if (!options.dryRun) {
    // Interrupted writes are journaled before anything is planned again (recover-intents.ts);
    // a full pass also resolves those of organizations no longer declared.
    const recovery = await recoverIntents(deps.backend, deps.state, {
      ...(options.orgs === undefined ? {} : { orgs: options.orgs }),
      ...(options.recovery ?? {}),
    });
    for (const [org, error] of recovery.failed) failed.set(org, failure(error));
    deps.observer?.onRecovered?.(recovery);
  }
  const undeclared = await listUndeclared(deps, desired, options);
  for (const org of selected) {
    if (failed.has(org.name)) continue;
    const observation = undeclared.ok
      ? await observeOrganization(deps.backend, deps.managedState, org)
      : { org: org.name, ok: false as const, error: undeclared.error };
    if (observation.ok) observedOrgs.set(org.name, observation.observed);
    else failed.set(org.name, observation.error);
  }

  const observed: ObservedState = {
    organizations: observedOrgs,
    undeclared: undeclared.ok ? undeclared.names : [],
  };
  // Orgs that could not be observed stay in: the planner reports them as not observed and plans
  // nothing for them, and an all-failed pass is not mistaken for an empty source.
  const plan = makePlan({ revision: desired.revision, organizations: selected }, observed, {
    maxRemovalsOverride: options.maxRemovalsOverride,
    now,
  });
  const planned: DesiredState = {
    revision: desired.revision,
    organizations: selected.filter((o) => observedOrgs.has(o.name)),
  };

  const declaredNames = new Set(selected.map((o) => o.name));
  const globalRefusal = plan.safety.refusals.some((r) => isGlobalRefusal(r.org, declaredNames));
  const refused = new Set(plan.safety.refusals.map((r) => r.org));
  const toApply = planned.organizations
    .map((o) => o.name)
    .filter((name) => !globalRefusal && !refused.has(name));

  let results: StepResult[] = [];
  let applyError: ObserveFailure | undefined;
  const write = !options.dryRun && toApply.length > 0 && (await confirmed(plan, toApply, options));
  if (write) {
    const done: StepResult[] = [];
    try {
      results = await applyConverging(
        deps,
        options,
        plan,
        planned,
        observed,
        toApply,
        (result, count, total) => {
          done.push(result);
          deps.observer?.onStepDone?.(result.step.org, result, count, total);
        },
      );
    } catch (error) {
      // The executor's own store (journal, managed sets) failed mid-way: report what was done
      // and the error, don't hide either.
      results = done;
      applyError = failure(error);
    }
  }

  const orgs: OrgReconcileResult[] = selected.map((o) => {
    const error = failed.get(o.name);
    if (error) return { org: o.name, status: "failed", results: [], error };
    const orgPlan = planFor(plan, o.name);
    if (globalRefusal || refused.has(o.name)) {
      return { org: o.name, status: "refused", plan: orgPlan, results: [] };
    }
    if (!write) return { org: o.name, status: "dryRun", plan: orgPlan, results: [] };
    const mine = results.filter((r) => r.step.org === o.name);
    const ok = !applyError && mine.every((r) => r.result !== "failed");
    const result: OrgReconcileResult = {
      org: o.name,
      status: ok ? "synced" : "partial",
      plan: orgPlan,
      results: mine,
    };
    if (applyError) result.error = applyError;
    return result;
  });
  const declared = { revision: desired.revision, organizations: selected };
  const upcoming = nextExpiry(declared, now.getTime());
  const reviews = reviewsDue(declared, now.getTime()).map((r) => ({
    ...r,
    dueAt: new Date(r.dueAt).toISOString(),
  }));
  return {
    revision: desired.revision,
    issues: source.issues,
    orgs,
    plan,
    ...(upcoming === undefined ? {} : { nextExpiry: upcoming }),
    ...(reviews.length > 0 ? { reviewsDue: reviews } : {}),
  };
}

/** Backend orgs the source does not declare; skipped when the pass is limited to some orgs. */
async function listUndeclared(
  deps: Pick<ReconcileDeps, "backend">,
  desired: DesiredState,
  options: ReconcileOptions,
): Promise<{ ok: true; names: string[] } | { ok: false; error: ObserveFailure }> {
  if (options.orgs !== undefined) return { ok: true, names: [] };
  try {
    const declared = new Set(desired.organizations.map((o) => o.name));
    const names = (await deps.backend.listOrganizations()).filter((n) => !declared.has(n)).sort();
    return { ok: true, names };
  } catch (error) {
    // The backend cannot even list its organizations: observing any one of them would fail too.
    return { ok: false, error: failure(error) };
  }
}

/** Asks only when something will be written; the managed sets alone need no confirmation. */
async function confirmed(plan: Plan, orgs: string[], options: ReconcileOptions): Promise<boolean> {
  if (!options.confirm) return true;
  const hasSteps = plan.steps.some((s) => orgs.includes(s.org));
  return hasSteps ? options.confirm(plan) : true;
}
