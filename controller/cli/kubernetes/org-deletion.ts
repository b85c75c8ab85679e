import { applyPlan } from "../../apply/index.js";
import type { RetryOptions, StepResult } from "../../apply/index.js";
import type { ControllerState, DesiredState, IdentityBackend } from "../../model/index.js";
import { defaultOrgPolicy } from "../../model/index.js";
import type { ObservedState, Plan, Step } from "../../plan/types.js";
import type { RosterObject } from "../../adapters/kubernetes/objects.js";
import { maxResourceVersion, refOf } from "../../adapters/kubernetes/objects.js";

export interface DeletionDeps {
  backend: IdentityBackend;
  state: ControllerState;
  actor: string;
  retry?: RetryOptions;
}

export interface DeletionOutcome {
  /** True when the Organization's finalizer may be released. */
  release: boolean;
  /** A step failed transiently: try again with backoff (when neither, a failure needs a human). */
  retry: boolean;
  results: StepResult[];
  /** Why the owner is still in the backend after a `Delete` (R2), when that happened. */
  ownerKept?: string;
}

export function deletionPolicyOf(org: RosterObject): "Orphan" | "Delete" {
  const spec = org.spec as { deletionPolicy?: unknown } | undefined;
  return spec?.deletionPolicy === "Delete" ? "Delete" : "Orphan";
}

/**
 * `deletionPolicy: Orphan` (the default) leaves the backend organization as it is. `Delete`
 * cancels every open invitation and removes every member (R6 revokes their keys and sessions),
 * the owner last. The backend keeps R2 — an organization always has exactly one owner — and
 * the IdentityBackend has no operation that deletes an organization, so a backend that refuses
 * to remove the last owner keeps the organization with its owner alone; that refusal is
 * reported (ownerKept) and does not hold the finalizer forever. The safety limit on removals
 * does not apply: deleting the Organization with this policy is the explicit request.
 */
export async function applyDeletionPolicy(
  deps: DeletionDeps,
  org: RosterObject,
): Promise<DeletionOutcome> {
  if (deletionPolicyOf(org) === "Orphan") return { release: true, retry: false, results: [] };
  const name = org.metadata.name;
  const actual = await deps.backend.snapshot(name);
  if (actual === null) return { release: true, retry: false, results: [] };
  const [capabilities, managed] = await Promise.all([
    deps.backend.capabilities(name),
    deps.state.managedMembers(name),
  ]);
  const revision = `${maxResourceVersion([org])}-delete`;
  const reason = `${refOf("Organization", org)} was deleted with deletionPolicy: Delete`;
  const desired: DesiredState = {
    revision,
    organizations: [
      {
        name,
        settings: actual.settings,
        policy: { ...defaultOrgPolicy(), deletionPolicy: "Delete" },
        members: [],
      },
    ],
  };
  const observed: ObservedState = {
    organizations: new Map([[name, { actual, managed, capabilities }]]),
    undeclared: [],
  };
  const run = (steps: Step[]) =>
    applyPlan(planOf(revision, steps), deps.backend, deps.state, {
      desired,
      observed,
      orgs: [name],
      actor: deps.actor,
      retry: deps.retry,
    });

  const owner = actual.members.find((m) => m.role === "owner");
  const first = await run([
    ...actual.invitations.map(
      (i): Step => ({ action: "cancelInvite", org: name, email: i.email, role: i.role, reason }),
    ),
    ...actual.members
      .filter((m) => m.role !== "owner")
      .map((m): Step => ({ action: "remove", org: name, email: m.email, role: m.role, reason })),
  ]);
  const firstFailed = first.filter((r) => r.result === "failed" || r.result === "conflict");
  if (firstFailed.length > 0) {
    // Held: a transient failure is retried; any other needs a human (it is in the status).
    const retry = firstFailed.some((r) => r.result === "conflict" || (r.error?.transient ?? false));
    return { release: false, retry, results: first };
  }
  if (!owner) return { release: true, retry: false, results: first };
  const last = await run([
    {
      action: "remove",
      org: name,
      email: owner.email,
      role: "owner",
      reason: `${reason} (owner last)`,
    },
  ]);
  const results = [...first, ...last];
  const failed = last.find((r) => r.result === "failed" || r.result === "conflict");
  if (!failed) return { release: true, retry: false, results };
  if (failed.result === "conflict" || failed.error?.transient)
    return { release: false, retry: true, results };
  return {
    release: true,
    retry: false,
    results,
    ownerKept: `the backend kept the owner ${owner.email} (R2: exactly one owner): ${failed.error?.message ?? ""}`,
  };
}

function planOf(revision: string, steps: Step[]): Plan {
  return {
    revision,
    steps,
    blocked: [],
    warnings: [],
    safety: { safe: true, refusals: [], removals: [] },
  };
}
