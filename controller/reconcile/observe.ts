import type {
  ActualOrganization,
  ControllerState,
  DesiredOrganization,
  IdentityBackend,
} from "../model/index.js";
import { isTransient } from "../model/index.js";
import { legacyManaged } from "../apply/index.js";
import type { ObservedOrganization } from "../plan/types.js";

export interface ObserveFailure {
  message: string;
  transient: boolean;
}

export type Observation =
  | { org: string; ok: true; observed: ObservedOrganization }
  | { org: string; ok: false; error: ObserveFailure };

/**
 * Reads what the backend holds for one declared organization, what the credential may do there,
 * and what Roster manages: the backend's own marks (plus what an earlier Roster left in the
 * state location, until an apply moves it into marks: apply/legacy-managed.ts), or for a backend
 * without marks the explicit state location (`managedState`), or nothing known. Any failure
 * fails only this org: nothing is planned or applied for it.
 */
export async function observeOrganization(
  backend: IdentityBackend,
  managedState: ControllerState | undefined,
  org: DesiredOrganization,
): Promise<Observation> {
  try {
    const [actual, capabilities, remembered] = await Promise.all([
      backend.snapshot(org.name),
      backend.capabilities(org.name),
      backend.managedMarks ? undefined : managedState?.managedMembers(org.name),
    ]);
    const managed = backend.managedMarks
      ? union(markedIn(actual), await legacyManaged(managedState, org.name, actual))
      : (remembered ?? new Set<string>());
    const managedKnown = backend.managedMarks || remembered !== undefined;
    return { org: org.name, ok: true, observed: { actual, capabilities, managed, managedKnown } };
  } catch (error) {
    return { org: org.name, ok: false, error: failure(error) };
  }
}

function union(a: Set<string>, b: ReadonlySet<string>): Set<string> {
  for (const email of b) a.add(email);
  return a;
}

function markedIn(actual: ActualOrganization | null): Set<string> {
  const managed = new Set<string>();
  for (const m of actual?.members ?? []) if (m.managed === true) managed.add(m.email);
  for (const i of actual?.invitations ?? []) if (i.managed === true) managed.add(i.email);
  return managed;
}

export function failure(error: unknown): ObserveFailure {
  return {
    message: error instanceof Error ? error.message : String(error),
    transient: isTransient(error),
  };
}
