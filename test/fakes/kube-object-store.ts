import { randomUUID } from "node:crypto";
import type { WriteOptions } from "./kube-crd-admission.js";
import { admissionErrors, decodeBody, decodeStored } from "./kube-crd-admission.js";
import { loadCrds } from "./kube-crds.js";
import { fieldError, sameJson } from "./kube-crd-validation.js";
import { alreadyExists, conflict, deletedStatus, invalidObject, notFound } from "./kube-errors.js";
import type { SchemaNode } from "./kube-structural.js";

/**
 * The object semantics of the fake Kubernetes API server (kube-api-server.ts): one global
 * resourceVersion counter like etcd's revision, generation bumped by spec changes only, the
 * status subresource, optimistic concurrency, finalizers with deletionTimestamp, and the event
 * history watches replay from. Custom resources are pruned, defaulted and validated with the
 * schema of their CRD in crds/ (kube-structural.ts, kube-crd-validation.ts), on every write and
 * on every read from storage, as a kube-apiserver does.
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
  /** A custom resource's `openAPIV3Schema`, from its CRD. */
  schema?: SchemaNode;
}

/** Every CRD in crds/, served with the schema and subresources it declares. */
function customResources(): Record<string, ResourceType> {
  return Object.fromEntries(
    loadCrds().map((crd) => [
      `/apis/${crd.group}/${crd.version}|${crd.plural}`,
      {
        apiVersion: `${crd.group}/${crd.version}`,
        kind: crd.kind,
        statusSubresource: crd.statusSubresource,
        schema: crd.schema,
      },
    ]),
  );
}

/** The resources served, keyed `URL prefix|plural`. */
export const RESOURCES: Record<string, ResourceType> = {
  ...customResources(),
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

export class KubeObjectStore {
  readonly history: StoredEvent[] = [];
  revision = 100;
  /** Watches from a resourceVersion older than this get 410 Gone (as after etcd compaction). */
  compactedBelow = 0;
  private readonly objects = new Map<string, KubeObject>();

  constructor(
    private readonly onEvent: (event: StoredEvent) => void,
    /** Schemas other than crds/' (by `URL prefix|plural`): a test's variant of a CRD. */
    private readonly schemas: ReadonlyMap<string, SchemaNode> = new Map(),
  ) {}

  private schemaOf(resource: string): SchemaNode | undefined {
    return this.schemas.get(resource) ?? RESOURCES[resource]?.schema;
  }

  compact(): void {
    this.revision++;
    this.compactedBelow = this.revision + 1;
    this.history.length = 0;
  }

  /** An object as served: decoded from storage with its CRD's schema (pruned, defaulted). */
  find(resource: string, namespace: string, name: string): KubeObject | undefined {
    const stored = this.objects.get(objectKey(resource, namespace, name));
    return stored ? this.fromStorage(resource, stored) : undefined;
  }

  list(resource: string, namespace: string | undefined) {
    const type = RESOURCES[resource] as ResourceType;
    const items = [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(`${resource}|`) && inNamespace(o, namespace))
      .map(([, o]) => this.fromStorage(resource, o))
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

  /**
   * Writes an object straight into storage, bypassing the request pipeline: what etcd holds
   * after a CRD upgrade (a field since removed from the schema, a default added since). Reads
   * decode it with the current schema, as a real API server does.
   */
  putStored(resource: string, namespace: string, object: KubeObject): void {
    const stored = structuredClone(object);
    stored.metadata = {
      ...stored.metadata,
      namespace,
      uid: stored.metadata.uid ?? randomUUID(),
      creationTimestamp: stored.metadata.creationTimestamp ?? seconds(new Date()),
      resourceVersion: String(++this.revision),
    };
    this.objects.set(objectKey(resource, namespace, stored.metadata.name), stored);
    this.emit(resource, namespace, "ADDED", this.fromStorage(resource, stored));
  }

  create(
    resource: string,
    namespace: string,
    body: KubeObject,
    options: WriteOptions = {},
  ): KubeObject {
    const type = RESOURCES[resource] as ResourceType;
    const input = this.decode(resource, body, options);
    const name = input.metadata?.name;
    if (!name) {
      throw invalidObject(type, "", [fieldError("FieldValueRequired", "metadata.name", null)]);
    }
    const key = objectKey(resource, namespace, name);
    if (this.objects.has(key)) {
      throw alreadyExists(resource, name);
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
    // customResourceStrategy.PrepareForCreate: generation 1; status only through /status.
    if (this.schemaOf(resource)) object.metadata.generation = 1;
    if (type.statusSubresource) delete object.status;
    this.validate(resource, object, undefined);
    this.objects.set(key, object);
    this.emit(resource, namespace, "ADDED", object);
    return object;
  }

  /** PUT (or the result of a merge patch) on the object or on its status subresource. */
  update(
    resource: string,
    namespace: string,
    name: string,
    body: KubeObject,
    statusOnly: boolean,
    options: WriteOptions = {},
  ): KubeObject {
    const type = RESOURCES[resource] as ResourceType;
    const current = this.get(resource, namespace, name);
    const input = this.decode(resource, body, options);
    const wanted = input.metadata?.resourceVersion;
    if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(resource, name);
    if (!wanted && this.schemaOf(resource)) {
      // Custom resources allow no unconditional update (AllowUnconditionalUpdate is false).
      const error = fieldError(
        "FieldValueInvalid",
        "metadata.resourceVersion",
        "",
        "must be specified for an update",
      );
      throw invalidObject(type, name, [error]);
    }
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
        next.metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
      } else {
        delete next.metadata.deletionTimestamp;
        delete next.metadata.deletionGracePeriodSeconds;
      }
      if (type.statusSubresource) {
        next.status = current.status;
        if (next.status === undefined) delete next.status;
      }
      if (this.schemaOf(resource)) {
        // customResourceStrategy.PrepareForUpdate: any change outside metadata is a new
        // generation (status was put back above, so it never counts).
        const changed = !sameJson(withoutMetadata(next), withoutMetadata(current));
        next.metadata.generation = (current.metadata.generation ?? 1) + (changed ? 1 : 0);
      }
    }
    this.validate(resource, next, current);
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (sameJson(next, current)) return current;
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
      // registry.Store markAsDeleting: the first deletion mark is a new generation, so that
      // controllers comparing observedGeneration see that something changed.
      if ((next.metadata.generation ?? 0) > 0) next.metadata.generation! += 1;
      next.metadata.resourceVersion = String(++this.revision);
      this.objects.set(key, next);
      this.emit(resource, namespace, "MODIFIED", next);
      return next;
    }
    this.objects.delete(key);
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit(resource, namespace, "DELETED", gone);
    return deletedStatus(resource, name, current.metadata.uid);
  }

  private decode(resource: string, body: KubeObject, options: WriteOptions): KubeObject {
    const schema = this.schemaOf(resource);
    return schema ? decodeBody(schema, body, options) : structuredClone(body);
  }

  private fromStorage(resource: string, stored: KubeObject): KubeObject {
    const schema = this.schemaOf(resource);
    return schema ? decodeStored(schema, stored) : structuredClone(stored);
  }

  /** 422 Invalid with every field error, as customResourceStrategy.Validate(Update) answers. */
  private validate(resource: string, next: KubeObject, old: KubeObject | undefined): void {
    const schema = this.schemaOf(resource);
    const errors = schema ? admissionErrors(schema, next, old) : [];
    if (errors.length > 0) throw invalidObject(RESOURCES[resource]!, next.metadata.name, errors);
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

function withoutMetadata(object: KubeObject): Record<string, unknown> {
  const { metadata: _metadata, ...rest } = object;
  return rest;
}
