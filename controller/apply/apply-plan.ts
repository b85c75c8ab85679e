import type { ControllerState, IdentityBackend, WriteContext } from "../model/index.js";
import { BackendError } from "../model/index.js";
import type { Plan, Step } from "../plan/types.js";
import { PHASES, phaseOf } from "../plan/types.js";
import { Dependencies } from "./dependencies.js";
import { BeforeState, idempotencyKey } from "./idempotency.js";
import { narrowManagedSet, widenManagedSet } from "./managed-set.js";
import { runPool } from "./pool.js";
import { withRetry } from "./retry.js";
import { runStep } from "./run-step.js";
import type { ApplyOptions, StepResult } from "./types.js";

/** Thrown before any write when asked to apply steps of an organization the safety verdict refused. */
export class UnsafePlanError extends Error {
  constructor(orgs: string[]) {
    super(`the plan is refused by its safety checks for ${orgs.join(", ")}: nothing applied`);
    this.name = "UnsafePlanError";
  }
}

/**
 * Runs a plan's steps through the backend, phase by phase (PHASES), at most `concurrency` at once
 * inside a phase. A failed step is reported and independent steps go on; a step that needs a
 * failed one (the old owner's demotion after a failed transfer, anything after a failed
 * createOrganization) is reported as not attempted. Each executed step is journaled, and the
 * managed sets are widened before the first write and narrowed after the last (see managed-set).
 * Results come back in the plan's order.
 */
export async function applyPlan(
  plan: Plan,
  backend: IdentityBackend,
  state: ControllerState,
  options: ApplyOptions,
): Promise<StepResult[]> {
  const orgs = new Set(
    options.orgs ??
      options.desired.organizations
        .map((o) => o.name)
        .filter((name) => options.observed.organizations.has(name)),
  );
  // A refusal naming no declared organization (an empty source) concerns the whole plan.
  const declaredOrgs = new Set(options.desired.organizations.map((o) => o.name));
  const refused = plan.safety.refusals
    .map((r) => r.org)
    .filter((org) => orgs.has(org) || !declaredOrgs.has(org));
  if (refused.length > 0) throw new UnsafePlanError([...new Set(refused)]);

  const steps = plan.steps.filter((s) => orgs.has(s.org));
  const declared = new Map<string, Set<string>>();
  for (const org of options.desired.organizations) {
    if (orgs.has(org.name)) declared.set(org.name, new Set(org.members.map((m) => m.email)));
  }
  const managed = new Map<string, Set<string>>();
  for (const [org, emails] of declared) managed.set(org, await widenManagedSet(state, org, emails));

  const results = await runPhases(plan, steps, backend, state, options);

  for (const [org, emails] of declared) {
    const actual = options.observed.organizations.get(org)?.actual;
    const present = new Set<string>();
    for (const m of actual?.members ?? []) present.add(m.email);
    for (const i of actual?.invitations ?? []) present.add(i.email);
    await narrowManagedSet(state, org, managed.get(org) ?? new Set(), emails, present, results);
  }
  return results;
}

async function runPhases(
  plan: Plan,
  steps: Step[],
  backend: IdentityBackend,
  state: ControllerState,
  options: ApplyOptions,
): Promise<StepResult[]> {
  const before = new Map<string, BeforeState>();
  const beforeOf = (org: string) => {
    let index = before.get(org);
    if (!index) {
      index = new BeforeState(options.observed.organizations.get(org)?.actual);
      before.set(org, index);
    }
    return index;
  };
  const deps = new Dependencies(plan.blocked);
  const resultOf = new Map<Step, StepResult>();
  const total = steps.length;
  let done = 0;
  const report = (result: StepResult) => {
    resultOf.set(result.step, result);
    deps.record(result);
    done++;
    options.onStepDone?.(result, done, total);
  };

  for (const phase of PHASES) {
    const inPhase = steps.filter((s) => phaseOf(s) === phase);
    await runPool(inPhase, options.concurrency ?? 8, async (step) => {
      const skipped = options.signal?.aborted ? SHUTTING_DOWN : deps.blocker(step);
      if (skipped) {
        report({ step, result: "failed", error: skipped, attempts: 0 });
        return;
      }
      const ctx: WriteContext = {
        revision: plan.revision,
        reason: step.reason,
        actor: options.actor ?? "roster",
        idempotencyKey: idempotencyKey(plan.revision, step, beforeOf(step.org).of(step)),
        ...(step.autoProvisioned ? { autoProvisioned: true } : {}),
      };
      const attempt = await withRetry(() => runStep(backend, step, ctx), options.retry);
      const result: StepResult =
        attempt.error === undefined
          ? { step, result: attempt.value ?? "applied", attempts: attempt.attempts }
          : { step, result: "failed", error: describe(attempt.error), attempts: attempt.attempts };
      await state.appendJournal({
        time: (options.now ?? (() => new Date()))().toISOString(),
        org: step.org,
        action: step.action,
        email: step.email,
        role: step.role,
        from: step.from,
        to: step.to,
        revision: plan.revision,
        result: result.result,
        error: result.error?.message,
      });
      report(result);
    });
  }
  return steps.map((s) => resultOf.get(s) as StepResult);
}

/** Not journaled: nothing was attempted, and the next pass plans the step again. */
const SHUTTING_DOWN = { message: "not started: shutting down", transient: true } as const;

function describe(error: unknown): NonNullable<StepResult["error"]> {
  if (error instanceof BackendError) {
    return { message: error.message, transient: error.transient, code: error.code };
  }
  return { message: error instanceof Error ? error.message : String(error), transient: false };
}
