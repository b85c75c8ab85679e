import type { CustomObjectsApi } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { apiStatusCode } from "./api-errors.js";
import { GROUP, VERSION } from "./constants.js";
import type { RosterKind, RosterObject } from "./objects.js";
import { PLURALS, asRosterObject } from "./objects.js";

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
  /** What each Organization's last status write returned (see `freshest`). */
  private readonly written = new Map<string, { uid?: string; rv: bigint; status: Status }>();

  constructor(
    private readonly api: CustomObjectsApi,
    /** Checked before every write: only the leader writes. */
    private readonly mayWrite: () => boolean,
  ) {}

  /** The status our last write of this Organization returned, if newer than `object`'s. */
  lastWritten(object: RosterObject): Status | undefined {
    const known = this.written.get(keyOf(object));
    if (known === undefined || known.uid !== object.metadata.uid) return undefined;
    return known.rv > rvOf(object) ? known.status : undefined;
  }

  private remember(updated: unknown): void {
    const object = asRosterObject(updated);
    if (object?.status === undefined) return;
    const rv = rvOf(object);
    if (rv > 0n)
      this.written.set(keyOf(object), { uid: object.metadata.uid, rv, status: object.status });
  }

  /**
   * Writes every update, even past one the API server refuses (a 422 on one Member must not
   * keep the Organization's Ready from being written); the first refusal is thrown at the end,
   * so the organization is retried.
   */
  async write(updates: readonly StatusUpdate[]): Promise<void> {
    let refused: Error | undefined;
    for (const { kind, object, status } of updates) {
      if (kind === "Member" && sameJson(object.status, { ...object.status, ...status })) continue;
      if (!this.mayWrite()) return;
      const { name, namespace = "" } = object.metadata;
      try {
        const updated: unknown = await this.api.patchNamespacedCustomObjectStatus(
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
        if (kind === "Organization") this.remember(updated);
      } catch (error) {
        // Deleted meanwhile: no status to keep.
        if (apiStatusCode(error) !== 404)
          refused ??= error instanceof Error ? error : new Error(String(error));
      }
    }
    if (refused !== undefined) throw refused;
  }
}

/**
 * The Organization with the newest status known: the cached object's, or the one our own last
 * write returned when that is newer (a higher resourceVersion of the same object). The cache
 * learns of our write only when its watch event arrives; a pass before that would read the
 * status from before the write and take a transition for no change (a missed Event).
 */
export function freshest(writer: StatusWriter, object: RosterObject): RosterObject {
  const known = writer.lastWritten(object);
  return known === undefined ? object : { ...object, status: known };
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

function keyOf(object: RosterObject): string {
  return `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

/** resourceVersions are decimal etcd revisions on every real API server (objects.ts). */
function rvOf(object: RosterObject): bigint {
  const rv = object.metadata.resourceVersion;
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : 0n;
}
