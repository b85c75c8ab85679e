import type {
  ActualOrganization,
  ControllerState,
  IdentityBackend,
  WriteContext,
} from "../model/index.js";
import { withRetry } from "./retry.js";
import type { RetryOptions } from "./types.js";

/**
 * Upgrading from a Roster that kept its managed set in the controller state (the
 * `controller_managed_members` table of `.roster/state.db` or of the embedded store's file)
 * instead of marks on the backend's records: those entries still say what Roster manages, so
 * a member deleted from Git before the upgrade is still revoked. This module is the hand-over.
 *
 * - Planning (`roster plan` too, which writes nothing) counts an entry as managed while its
 *   record still exists in the backend.
 * - The first apply marks those records in the backend, journals each one (`markManaged`), and
 *   then drops the org's entries from the old table, so later passes find it empty. Marking is
 *   idempotent: a crash between the marks and the drop marks nothing new on the next run.
 *
 * The old table carries no backend identity: entries are taken as the earlier Roster left
 * them, for the backend the state is used with now.
 */

/** The old table's entries for `org` whose membership or invitation still exists. */
export async function legacyManaged(
  state: ControllerState | undefined,
  org: string,
  actual: ActualOrganization | null | undefined,
): Promise<Set<string>> {
  return state ? presentIn(await state.managedMembers(org), actual) : new Set<string>();
}

function presentIn(
  remembered: ReadonlySet<string>,
  actual: ActualOrganization | null | undefined,
): Set<string> {
  const present = new Set<string>();
  for (const record of [...(actual?.members ?? []), ...(actual?.invitations ?? [])]) {
    if (remembered.has(record.email)) present.add(record.email);
  }
  return present;
}

/**
 * Moves the org's old entries into the backend's marks (see above). Returns the emails it marked.
 * Throws when marking fails: the entries stay, so the next apply tries again.
 */
export async function moveLegacyManaged(
  backend: IdentityBackend,
  state: ControllerState | undefined,
  org: string,
  actual: ActualOrganization | null | undefined,
  ctx: WriteContext,
  retry?: RetryOptions,
  now: () => Date = () => new Date(),
): Promise<string[]> {
  if (!state || !backend.managedMarks) return [];
  const remembered = await state.managedMembers(org);
  if (remembered.size === 0) return [];
  const present = presentIn(remembered, actual);
  const unmarked = [...(actual?.members ?? []), ...(actual?.invitations ?? [])]
    .filter((record) => present.has(record.email) && record.managed !== true)
    .map((record) => record.email);
  const emails = [...new Set(unmarked)].sort();
  if (emails.length > 0) {
    const markCtx: WriteContext = {
      ...ctx,
      reason: "managed by an earlier Roster (its controller state): marked in the backend",
    };
    const attempt = await withRetry(() => backend.markManaged(org, emails, markCtx), retry);
    if (attempt.error !== undefined) {
      throw attempt.error instanceof Error ? attempt.error : new Error("marking managed failed");
    }
    for (const email of emails) {
      await state.appendJournal({
        time: now().toISOString(),
        org,
        action: "markManaged",
        email,
        revision: ctx.revision,
        result: "applied",
      });
    }
  }
  // Entries whose record is gone are dropped too: there is nothing left to manage.
  await state.removeManagedMembers(org, remembered);
  return emails;
}
