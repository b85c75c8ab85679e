import type { CustomObjectsApi } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { apiStatusCode } from "./api-errors.js";
import { GROUP, VERSION } from "./constants.js";
import type { RosterObject } from "./objects.js";
import { asRosterObject } from "./objects.js";

/**
 * Finalizers are edited with a merge patch that carries the observed resourceVersion: the list
 * is replaced whole, so a concurrent change by someone else (another finalizer) must make the
 * patch fail with 409 rather than be overwritten. The work queue retries with a fresh cache.
 */
export async function setFinalizers(
  api: CustomObjectsApi,
  plural: string,
  object: RosterObject,
  finalizers: string[],
): Promise<RosterObject | undefined> {
  const { name, namespace = "", resourceVersion } = object.metadata;
  try {
    const patched: unknown = await api.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace,
        plural,
        name,
        body: {
          metadata: { resourceVersion, finalizers: finalizers.length > 0 ? finalizers : null },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    return asRosterObject(patched);
  } catch (error) {
    if (apiStatusCode(error) === 404) return undefined; // already gone: nothing to hold
    throw error;
  }
}

export function withFinalizer(object: RosterObject, finalizer: string): string[] {
  const current = object.metadata.finalizers ?? [];
  return current.includes(finalizer) ? current : [...current, finalizer];
}

export function withoutFinalizer(object: RosterObject, finalizer: string): string[] {
  return (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
}
