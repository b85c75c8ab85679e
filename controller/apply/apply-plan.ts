import type { ControllerState, IdentityBackend, WriteContext } from "../model/index.js";
import { BackendError, PRECONDITION_FAILED, isPreconditionFailed } from "../model/index.js";
import type { Plan, Step } from "../plan/types.js";
import { PHASES, isAutoProvisioned, phaseOf } from "../plan/types.js";
import { Dependencies } from "./dependencies.js";
import { idempotencyKey } from "./idempotency.js";
import { adoptDeclared, forgetGone } from "./managed-set.js";
import { Preconditions } from "./preconditions.js";
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
  const managedState = options.managedState;
  for (const [org, emails] of declared) {
    const actual = options.observed.organizations.get(org)?.actual;
    await adoptDeclared(
      backend,
      managedState,
      org,
      emails,
      actual,
      {
        revision: plan.revision,
        reason: `declared in ${org}: managed by Roster`,
        actor: options.actor ?? "roster",
        idempotencyKey: idempotencyKey(),
      },
      options.retry,
      options.now,
    );
  }

  const results = await runPhases(plan, steps, backend, state, options, declared);

  for (const [org, emails] of declared) {
    const observed = options.observed.organizations.get(org);
    const managed = observed?.managed ?? new Set<string>();
    await forgetGone(backend, managedState, org, managed, emails, observed?.actual, results);
  }
  return results;
}

async function runPhases(
  plan: Plan,
  steps: Step[],
  backend: IdentityBackend,
  state: ControllerState,
  options: ApplyOptions,
  declared: ReadonlyMap<string, ReadonlySet<string>>,
): Promise<StepResult[]> {
  const preconditions = new Map<string, Preconditions>();
  const expectOf = (step: Step) => {
    let index = preconditions.get(step.org);
    if (!index) {
      const actual = options.observed.organizations.get(step.org)?.actual;
      index = new Preconditions(
        actual,
        steps.filter((s) => s.org === step.org),
      );
      preconditions.set(step.org, index);
    }
    return index.of(step);
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
        const result = skipped.code === PRECONDITION_FAILED ? "conflict" : "failed";
        report({ step, result, error: skipped, attempts: 0 });
        return;
      }
      const expect = expectOf(step);
      const now = options.now ?? (() => new Date());
      // One key per planned write, shared by its retries only (see idempotency.ts).
      const key = idempotencyKey();
      const ctx: WriteContext = {
        revision: plan.revision,
        reason: step.reason,
        actor: options.actor ?? "roster",
        idempotencyKey: key,
        ...(expect ? { expect } : {}),
        ...(declared.get(step.org)?.has(step.email ?? "") ? { managed: true } : {}),
        ...(isAutoProvisioned(step) ? { autoProvisioned: true } : {}),
      };
      // Write-ahead: durable before the write, so a kill between the write and its outcome
      // leaves an intent the next pass resolves (recover-intents.ts) instead of an audit gap.
      const intent = await state.appendIntent({
        time: now().toISOString(),
        ...stepFields(step),
        revision: plan.revision,
        key,
      });
      const attempt = await withRetry(() => runStep(backend, step, ctx), options.retry);
      const result = outcome(step, attempt);
      // A refused precondition wrote nothing: the organization is planned again. Its intent is
      // closed as failed so that recovery never mistakes a later write for this one.
      await state.appendJournal({
        time: now().toISOString(),
        ...stepFields(step),
        revision: plan.revision,
        result: result.result === "conflict" ? "failed" : result.result,
        error:
          result.result === "conflict"
            ? `conflict, planned again: ${result.error?.message ?? "precondition failed"}`
            : result.error?.message,
        intent: intent.seq,
      });
      report(result);
    });
  }
  return steps.map((s) => resultOf.get(s) as StepResult);
}

/** What a journal record says about its step. */
function stepFields(step: Step) {
  return {
    org: step.org,
    action: step.action,
    email: step.email,
    role: step.role,
    from: step.from,
    to: step.to,
  };
}

function outcome(
  step: Step,
  attempt: { value?: "applied" | "noop"; error?: unknown; attempts: number },
): StepResult {
  const { attempts } = attempt;
  if (attempt.error === undefined) return { step, result: attempt.value ?? "applied", attempts };
  const error = describe(attempt.error);
  return {
    step,
    result: isPreconditionFailed(attempt.error) ? "conflict" : "failed",
    error,
    attempts,
  };
}

/** Not journaled: nothing was attempted, and the next pass plans the step again. */
const SHUTTING_DOWN: NonNullable<StepResult["error"]> = {
  message: "not started: shutting down",
  transient: true,
};

function describe(error: unknown): NonNullable<StepResult["error"]> {
  if (error instanceof BackendError) {
    return { message: error.message, transient: error.transient, code: error.code };
  }
  return { message: error instanceof Error ? error.message : String(error), transient: false };
}
