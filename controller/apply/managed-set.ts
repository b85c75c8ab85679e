import type {
  ActualOrganization,
  ControllerState,
  IdentityBackend,
  WriteContext,
} from "../model/index.js";
import { moveLegacyManaged } from "./legacy-managed.js";
import { withRetry } from "./retry.js";
import type { RetryOptions, StepResult } from "./types.js";

/**
 * Before any write: every declared email becomes managed, so a member deleted from Git later is
 * revoked from any checkout. With a backend that holds marks, the declared records not marked
 * yet are marked there (records Roster creates are marked by the write itself, in the same
 * transaction); otherwise the explicit state location remembers the emails. With marks, the
 * state's entries left by an earlier Roster are moved into the backend first (legacy-managed).
 */
export async function adoptDeclared(
  backend: IdentityBackend,
  state: ControllerState | undefined,
  org: string,
  declared: ReadonlySet<string>,
  actual: ActualOrganization | null | undefined,
  ctx: WriteContext,
  retry?: RetryOptions,
  now?: () => Date,
): Promise<void> {
  if (backend.managedMarks) {
    const moved = new Set(await moveLegacyManaged(backend, state, org, actual, ctx, retry, now));
    const unmarked: string[] = [];
    for (const record of [...(actual?.members ?? []), ...(actual?.invitations ?? [])]) {
      const marked = record.managed === true || moved.has(record.email);
      if (declared.has(record.email) && !marked) unmarked.push(record.email);
    }
    if (unmarked.length === 0) return;
    // Marking is idempotent: it goes through the one retry layer like any write, so an answer
    // lost after the backend committed is simply asked again.
    const emails = [...new Set(unmarked)];
    const attempt = await withRetry(() => backend.markManaged(org, emails, ctx), retry);
    if (attempt.error !== undefined) {
      throw attempt.error instanceof Error ? attempt.error : new Error("marking managed failed");
    }
    return;
  }
  if (state) await state.addManagedMembers(org, declared);
}

/**
 * After the writes, for a backend without marks: an undeclared email leaves the state once it
 * is gone — its removal or the cancellation of its invitation succeeded, or the backend did not
 * hold it at all. One whose removal failed or was not attempted stays, so the next run tries
 * again. (With marks, a removed membership or a closed invitation takes its mark with it.)
 */
export async function forgetGone(
  backend: IdentityBackend,
  state: ControllerState | undefined,
  org: string,
  managed: ReadonlySet<string>,
  declared: ReadonlySet<string>,
  actual: ActualOrganization | null | undefined,
  results: readonly StepResult[],
): Promise<void> {
  if (backend.managedMarks || !state) return;
  const present = new Set<string>();
  for (const m of actual?.members ?? []) present.add(m.email);
  for (const i of actual?.invitations ?? []) present.add(i.email);
  for (const r of results) {
    const { step } = r;
    if (step.org !== org || r.result === "failed" || r.result === "conflict") continue;
    if (step.action === "remove" || step.action === "cancelInvite") present.delete(step.email);
  }
  const gone = [...managed].filter((email) => !declared.has(email) && !present.has(email));
  if (gone.length > 0) await state.removeManagedMembers(org, gone);
}
