import type { DesiredStateSource, SourceSnapshot } from "../../model/index.js";
import type { RosterKind, RosterObject } from "./objects.js";
import {
  API_VERSION,
  isDeleting,
  maxResourceVersion,
  memberEmail,
  memberOrg,
  refOf,
} from "./objects.js";

/** Everything the cache holds about one organization (the work-queue key). */
export interface OrgObjects {
  org: string;
  /** Organization objects named `org` (more than one is an error: one per name, cluster-wide). */
  organizations: RosterObject[];
  /** Members whose `spec.organization` is `org`, deleting ones included. */
  members: RosterObject[];
  /** AccessReviews whose `spec.organization` is `org`, deleting ones included. */
  reviews: RosterObject[];
}

export interface OrgCheck {
  /** Problems only Kubernetes mode has: they stop the org before the loader runs. */
  errors: { ref: string; message: string }[];
}

export function selectOrgObjects(
  org: string,
  organizations: readonly RosterObject[],
  members: readonly RosterObject[],
  reviews: readonly RosterObject[] = [],
): OrgObjects {
  return {
    org,
    organizations: organizations.filter((o) => o.metadata.name === org),
    members: members.filter((m) => memberOrg(m) === org),
    reviews: reviews.filter((r) => memberOrg(r) === org),
  };
}

/**
 * The cross-object rules of Kubernetes mode: an organization name is the backend's slug, so it
 * is declared once in the cluster; a Member or an AccessReview belongs to an Organization of its
 * own namespace (a reference never crosses namespaces, as RBAC is granted per namespace). An
 * AccessReview of an organization nobody declares is left alone: it counts for nothing.
 */
export function checkOrgObjects(objects: OrgObjects): OrgCheck {
  const errors: OrgCheck["errors"] = [];
  const orgs = objects.organizations;
  if (orgs.length > 1) {
    const refs = orgs.map((o) => refOf("Organization", o)).join(", ");
    for (const o of orgs) {
      errors.push({
        ref: refOf("Organization", o),
        message: `organization ${objects.org} is declared ${orgs.length} times (${refs}); keep one`,
      });
    }
    return { errors };
  }
  const home = orgs[0]?.metadata.namespace;
  for (const m of objects.members) {
    if (isDeleting(m)) continue;
    if (home === undefined) {
      errors.push({
        ref: refOf("Member", m),
        message: `spec.organization ${objects.org}: no Organization ${objects.org} in namespace ${m.metadata.namespace ?? ""}`,
      });
    } else if (m.metadata.namespace !== home) {
      errors.push({
        ref: refOf("Member", m),
        message: `spec.organization ${objects.org} is declared in namespace ${home}; a Member must be in the namespace of its Organization`,
      });
    }
  }
  if (home === undefined) return { errors };
  for (const r of objects.reviews) {
    if (isDeleting(r) || r.metadata.namespace === home) continue;
    errors.push({
      ref: refOf("AccessReview", r),
      message: `spec.organization ${objects.org} is declared in namespace ${home}; an AccessReview must be in the namespace of its Organization`,
    });
  }
  return { errors };
}

/** The objects that declare desired state: deleting ones are left out, so the planner revokes them. */
export function liveObjects(objects: OrgObjects): { kind: RosterKind; object: RosterObject }[] {
  return [
    ...objects.organizations
      .filter((o) => !isDeleting(o))
      .map((object) => ({ kind: "Organization" as const, object })),
    ...objects.members
      .filter((m) => !isDeleting(m))
      .map((object) => ({ kind: "Member" as const, object })),
    ...objects.reviews
      .filter((r) => !isDeleting(r))
      .map((object) => ({ kind: "AccessReview" as const, object })),
  ];
}

/** Emails still declared by a Member that is not being deleted. */
export function liveEmails(objects: OrgObjects): Set<string> {
  const emails = new Set<string>();
  for (const m of objects.members) {
    const email = memberEmail(m);
    if (email && !isDeleting(m)) emails.add(email);
  }
  return emails;
}

/**
 * Serves one organization's cached objects to the shared reconcile() as a source snapshot: the
 * objects themselves, each named `NAMESPACE/Kind/NAME` so every issue names the resource, which
 * the loader validates with the schema that validates Git files (load/parse-object.ts).
 * The revision is the highest resourceVersion of the org's objects, deleting ones included (a
 * deletion changes the desired state too; an AccessReview, when a review is due): the cache
 * state the pass saw.
 */
export class CachedOrgSource implements DesiredStateSource {
  readonly describe: string;

  constructor(private readonly objects: OrgObjects) {
    this.describe = `kubernetes (organization ${objects.org})`;
  }

  read(): Promise<SourceSnapshot> {
    const objects = liveObjects(this.objects).map(({ kind, object }) => ({
      ref: refOf(kind, object),
      object: { ...object, apiVersion: object.apiVersion ?? API_VERSION, kind },
    }));
    const { organizations, members, reviews } = this.objects;
    const revision = maxResourceVersion([...organizations, ...members, ...reviews]);
    return Promise.resolve({ revision, files: [], objects, oversized: [] });
  }
}
