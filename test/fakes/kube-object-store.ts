import { randomUUID } from "node:crypto";

/**
 * The object semantics of the fake Kubernetes API server (kube-api-server.ts): one global
 * resourceVersion counter like etcd's revision, generation bumped by spec changes only, the
 * status subresource, optimistic concurrency, finalizers with deletionTimestamp, and the event
 * history watches replay from.
 */

export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
};

export interface ResourceType {
  apiVersion: string;
  kind: string;
  /** Spec writes bump `metadata.generation`; status goes only through `/status`. */
  statusSubresource: boolean;
}

/** The resources served, keyed `URL prefix|plural`. */
export const RESOURCES: Record<string, ResourceType> = {
  "/apis/roster.workjet.io/v1alpha1|organizations": {
    apiVersion: "roster.workjet.io/v1alpha1",
    kind: "Organization",
    statusSubresource: true,
  },
  "/apis/roster.workjet.io/v1alpha1|members": {
    apiVersion: "roster.workjet.io/v1alpha1",
    kind: "Member",
    statusSubresource: true,
  },
  "/apis/coordination.k8s.io/v1|leases": {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    statusSubresource: false,
  },
  "/api/v1|events": { apiVersion: "v1", kind: "Event", statusSubresource: false },
};

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredEvent {
  rv: number;
  resource: string;
  namespace: string;
  type: EventType;
  object: KubeObject;
}

export class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class KubeObjectStore {
  readonly history: StoredEvent[] = [];
  revision = 100;
  /** Watches from a resourceVersion older than this get 410 Gone (as after etcd compaction). */
  compactedBelow = 0;
  private readonly objects = new Map<string, KubeObject>();

  constructor(private readonly onEvent: (event: StoredEvent) => void) {}

  compact(): void {
    this.revision++;
    this.compactedBelow = this.revision + 1;
    this.history.length = 0;
  }

  find(resource: string, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(objectKey(resource, namespace, name));
  }

  list(resource: string, namespace: string | undefined) {
    const type = RESOURCES[resource] as ResourceType;
    const items = [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(`${resource}|`) && inNamespace(o, namespace))
      .map(([, o]) => o)
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    return {
      apiVersion: type.apiVersion,
      kind: `${type.kind}List`,
      metadata: { resourceVersion: String(this.revision) },
      items,
    };
  }

  get(resource: string, namespace: string, name: string): KubeObject {
    const found = this.find(resource, namespace, name);
    if (!found) throw notFound(resource, name);
    return found;
  }

  create(resource: string, namespace: string, input: KubeObject): KubeObject {
    const type = RESOURCES[resource] as ResourceType;
    const name = input.metadata?.name;
    if (!name) throw new HttpError(422, "Invalid", "metadata.name: Required value");
    const key = objectKey(resource, namespace, name);
    if (this.objects.has(key)) {
      throw new HttpError(409, "AlreadyExists", `${type.kind} "${name}" already exists`);
    }
    const object: KubeObject = {
      ...input,
      apiVersion: type.apiVersion,
      kind: type.kind,
      metadata: {
        ...input.metadata,
        name,
        namespace,
        uid: randomUUID(),
        creationTimestamp: seconds(new Date()),
        resourceVersion: String(++this.revision),
      },
    };
    delete object.metadata.deletionTimestamp;
    if (type.statusSubresource) {
      object.metadata.generation = 1;
      delete object.status;
    }
    this.objects.set(key, object);
    this.emit(resource, namespace, "ADDED", object);
    return object;
  }

  /** PUT (or the result of a merge patch) on the object or on its status subresource. */
  update(
    resource: string,
    namespace: string,
    name: string,
    input: KubeObject,
    statusOnly: boolean,
  ): KubeObject {
    const type = RESOURCES[resource] as ResourceType;
    const current = this.get(resource, namespace, name);
    const wanted = input.metadata?.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(resource, name);
    let next: KubeObject;
    if (statusOnly) {
      // The status subresource ignores everything but status (and never bumps generation).
      next = { ...structuredClone(current), status: input.status };
    } else {
      next = {
        ...input,
        apiVersion: type.apiVersion,
        kind: type.kind,
        metadata: {
          ...input.metadata,
          name,
          namespace: current.metadata.namespace,
          uid: current.metadata.uid,
          creationTimestamp: current.metadata.creationTimestamp,
        },
      };
      // Clients cannot set or clear deletionTimestamp; only DELETE sets it.
      if (current.metadata.deletionTimestamp) {
        next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      } else delete next.metadata.deletionTimestamp;
      if (type.statusSubresource) {
        next.status = current.status;
        if (next.status === undefined) delete next.status;
        const specChanged = JSON.stringify(input.spec) !== JSON.stringify(current.spec);
        next.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
      }
    }
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    next.metadata.resourceVersion = String(++this.revision);
    const key = objectKey(resource, namespace, name);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      // The last finalizer is gone: as a real API server, watchers see the update (MODIFIED,
      // finalizers empty) and then the deletion (DELETED) with a newer resourceVersion.
      this.emit(resource, namespace, "MODIFIED", next);
      this.objects.delete(key);
      const gone = structuredClone(next);
      gone.metadata.resourceVersion = String(++this.revision);
      this.emit(resource, namespace, "DELETED", gone);
      return next;
    }
    this.objects.set(key, next);
    this.emit(resource, namespace, "MODIFIED", next);
    return next;
  }

  /** DELETE: with finalizers, only marks the object (deletionTimestamp); else removes it. */
  remove(resource: string, namespace: string, name: string): unknown {
    const current = this.get(resource, namespace, name);
    const key = objectKey(resource, namespace, name);
    if ((current.metadata.finalizers ?? []).length > 0) {
      if (current.metadata.deletionTimestamp) return current;
      const next = structuredClone(current);
      next.metadata.deletionTimestamp = seconds(new Date());
      next.metadata.deletionGracePeriodSeconds = 0;
      next.metadata.resourceVersion = String(++this.revision);
      this.objects.set(key, next);
      this.emit(resource, namespace, "MODIFIED", next);
      return next;
    }
    this.objects.delete(key);
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit(resource, namespace, "DELETED", gone);
    return { kind: "Status", apiVersion: "v1", status: "Success", details: { name } };
  }

  private emit(resource: string, namespace: string, type: EventType, object: KubeObject): void {
    const event: StoredEvent = {
      rv: Number(object.metadata.resourceVersion),
      resource,
      namespace,
      type,
      object: structuredClone(object),
    };
    this.history.push(event);
    this.onEvent(event);
  }
}

export function inNamespace(object: KubeObject, namespace: string | undefined): boolean {
  return namespace === undefined || object.metadata.namespace === namespace;
}

function objectKey(resource: string, namespace: string, name: string): string {
  return `${resource}|${namespace}|${name}`;
}

function sortKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ""}|${o.metadata.name}`;
}

/** metav1.Time has second precision. */
function seconds(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

/** RFC 7386 JSON merge patch: null deletes, objects merge, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return structuredClone(patch);
  }
  const base: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? structuredClone(target as Record<string, unknown>)
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete base[k];
    else base[k] = mergePatch(base[k], v);
  }
  return base;
}

export function statusObject(error: HttpError) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: error.message,
    reason: error.reason,
    code: error.code,
  };
}

function notFound(resource: string, name: string): HttpError {
  const plural = resource.split("|")[1] ?? resource;
  return new HttpError(404, "NotFound", `${plural} "${name}" not found`);
}

export function conflict(resource: string, name: string): HttpError {
  const plural = resource.split("|")[1] ?? resource;
  return new HttpError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
  );
}
