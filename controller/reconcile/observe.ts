import type { DesiredOrganization, IdentityBackend, ControllerState } from "../model/index.js";
import { isTransient } from "../model/index.js";
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
 * and the managed set. Any failure fails only this org: nothing is planned or applied for it.
 */
export async function observeOrganization(
  backend: IdentityBackend,
  state: ControllerState,
  org: DesiredOrganization,
): Promise<Observation> {
  try {
    const [actual, capabilities, managed] = await Promise.all([
      backend.snapshot(org.name),
      backend.capabilities(org.name),
      state.managedMembers(org.name),
    ]);
    return { org: org.name, ok: true, observed: { actual, capabilities, managed } };
  } catch (error) {
    return { org: org.name, ok: false, error: failure(error) };
  }
}

export function failure(error: unknown): ObserveFailure {
  return {
    message: error instanceof Error ? error.message : String(error),
    transient: isTransient(error),
  };
}
