import { ACCESS_REVIEWS, GROUP, MEMBERS, ORGANIZATIONS, VERSION } from "./constants.js";

export const API_VERSION = `${GROUP}/${VERSION}`;

export type RosterKind = "Organization" | "Member" | "AccessReview";

/** The URL plural of each kind. */
export const PLURALS: Record<RosterKind, string> = {
  Organization: ORGANIZATIONS,
  Member: MEMBERS,
  AccessReview: ACCESS_REVIEWS,
};

/** The parts of ObjectMeta the controller reads. Timestamps arrive as RFC 3339 strings. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
}

/** One of our objects as the API server serves it (custom objects are plain JSON). */
export interface RosterObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: Record<string, unknown>;
}

export interface RosterObjectList {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string };
  items: RosterObject[];
}

/** `NAMESPACE/Kind/NAME`: how issues, events and status messages name an object. */
export function refOf(kind: RosterKind, object: RosterObject): string {
  return `${object.metadata.namespace ?? ""}/${kind}/${object.metadata.name}`;
}

export function isDeleting(object: RosterObject): boolean {
  return Boolean(object.metadata.deletionTimestamp);
}

export function hasFinalizer(object: RosterObject, finalizer: string): boolean {
  return (object.metadata.finalizers ?? []).includes(finalizer);
}

/**
 * `spec.organization` of a Member (or an AccessReview), or undefined when the spec does not
 * carry a string there.
 */
export function memberOrg(object: RosterObject): string | undefined {
  const spec = object.spec as { organization?: unknown } | undefined;
  return typeof spec?.organization === "string" ? spec.organization : undefined;
}

export function memberEmail(object: RosterObject): string | undefined {
  const spec = object.spec as { email?: unknown } | undefined;
  return typeof spec?.email === "string" ? spec.email.trim().toLowerCase() : undefined;
}

/**
 * resourceVersions are opaque strings to clients, but every real API server (etcd revisions)
 * serves decimal integers; the highest one names the cache state a reconcile saw.
 */
export function maxResourceVersion(objects: readonly RosterObject[]): string {
  let best = 0n;
  for (const o of objects) {
    const rv = o.metadata.resourceVersion;
    if (rv && /^\d+$/.test(rv) && BigInt(rv) > best) best = BigInt(rv);
  }
  return best.toString();
}

/** Narrows a JSON value from the API to a RosterObject, or undefined when it is not one. */
export function asRosterObject(value: unknown): RosterObject | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const meta = (value as { metadata?: unknown }).metadata;
  if (typeof meta !== "object" || meta === null) return undefined;
  if (typeof (meta as { name?: unknown }).name !== "string") return undefined;
  return value as RosterObject;
}
