import type { CustomObjectsApi } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { apiStatusCode } from "./api-errors.js";
import { GROUP, VERSION } from "./constants.js";
import type { RosterKind, RosterObject } from "./objects.js";
import { PLURALS } from "./objects.js";

/** A status subresource body, as the status writer patches it. */
export type Status = Record<string, unknown>;

export interface StatusUpdate {
  kind: RosterKind;
  object: RosterObject;
  status: Status;
}

/**
 * The one place that writes status (STYLE: reconcile is steps plus one status writer). Each
 * update is a merge patch on the status subresource, so it never bumps `metadata.generation` and
 * never races a spec edit. A Member whose status would not change is not patched: a resync of a
 * quiet org costs one status write (its `lastSyncedAt`), not one per member.
 */
export class StatusWriter {
  writes = 0;

  constructor(
    private readonly api: CustomObjectsApi,
    /** Checked before every write: only the leader writes. */
    private readonly mayWrite: () => boolean,
  ) {}

  async write(updates: readonly StatusUpdate[]): Promise<void> {
    for (const { kind, object, status } of updates) {
      if (kind === "Member" && sameJson(object.status, { ...object.status, ...status })) continue;
      if (!this.mayWrite()) return;
      const { name, namespace = "" } = object.metadata;
      try {
        await this.api.patchNamespacedCustomObjectStatus(
          {
            group: GROUP,
            version: VERSION,
            namespace,
            plural: PLURALS[kind],
            name,
            body: { status },
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        );
        this.writes++;
      } catch (error) {
        if (apiStatusCode(error) !== 404) throw error; // deleted meanwhile: no status to keep
      }
    }
  }
}

/** Deep equality of JSON values, independent of key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
