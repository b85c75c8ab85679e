import type { ControllerState } from "../model/index.js";
import type { StepResult } from "./types.js";

/**
 * Write-ahead: before any write to the org, every declared email joins the managed set. A crash
 * after an invite landed but before the run finished then never forgets someone Roster invited —
 * the next run still knows to revoke them if they are taken out of the source meanwhile.
 */
export async function widenManagedSet(
  state: ControllerState,
  org: string,
  declared: ReadonlySet<string>,
): Promise<Set<string>> {
  const managed = await state.managedMembers(org);
  const before = managed.size;
  for (const email of declared) managed.add(email);
  if (managed.size !== before) await state.setManagedMembers(org, managed);
  return managed;
}

/**
 * After the writes: an undeclared email leaves the set once it is gone — its removal or the
 * cancellation of its invitation succeeded, or the backend did not hold it at all. One whose
 * removal failed or was not attempted stays, so the next run tries again.
 */
export async function narrowManagedSet(
  state: ControllerState,
  org: string,
  managed: ReadonlySet<string>,
  declared: ReadonlySet<string>,
  present: ReadonlySet<string>,
  results: readonly StepResult[],
): Promise<void> {
  const gone = new Set<string>();
  for (const r of results) {
    const { step } = r;
    if (step.org !== org || r.result === "failed" || step.email === undefined) continue;
    if (step.action === "remove" || step.action === "cancelInvite") gone.add(step.email);
  }
  const next = new Set<string>();
  for (const email of managed) {
    if (declared.has(email) || (present.has(email) && !gone.has(email))) next.add(email);
  }
  if (next.size !== managed.size) await state.setManagedMembers(org, next);
}
