/* eslint-disable @typescript-eslint/no-explicit-any --
   manifests are untyped YAML documents. */
import type { LoggedRequest } from "../fakes/kube-api-server.js";

/** One API call as RBAC sees it (the request attributes the authorizer checks). */
export interface RbacCall {
  group: string;
  /** `resource` or `resource/subresource`. */
  resource: string;
  verb: string;
  namespace?: string;
  name?: string;
}

/**
 * The RBAC attributes of a request, as kube-apiserver derives them: GET on a collection is
 * `list` (`watch` with ?watch), GET on an object `get`, POST `create`, PUT `update`, PATCH
 * `patch`, DELETE `delete`.
 */
export function rbacCall(r: LoggedRequest): RbacCall {
  const m =
    /^\/(?:apis\/([^/]+)\/[^/]+|api\/v1)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
      r.path,
    );
  if (!m) throw new Error(`not a resource path: ${r.path}`);
  const [, group = "", namespace, plural, name, sub] = m;
  const collection = name === undefined;
  const watch = r.query.watch === "true" || r.query.watch === "1";
  const verb =
    r.method === "GET"
      ? collection
        ? watch
          ? "watch"
          : "list"
        : "get"
      : ({ POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" } as const)[
          r.method as "POST"
        ];
  return {
    group,
    resource: sub ? `${plural}/${sub}` : plural!,
    verb: verb ?? r.method,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

export interface Grant {
  group: string;
  resource: string;
  verb: string;
  /** Set for a Role: the grant holds in that namespace only. */
  namespace?: string;
  /** Set when the rule names its objects. */
  names?: string[];
}

/** Every (group, resource, verb) a set of Roles and ClusterRoles grants, one row each. */
export function grantsOf(docs: Record<string, any>[]): Grant[] {
  const out: Grant[] = [];
  for (const doc of docs) {
    if (doc.kind !== "Role" && doc.kind !== "ClusterRole") continue;
    for (const rule of doc.rules as Record<string, string[]>[]) {
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs ?? [])
            out.push({
              group,
              resource,
              verb,
              ...(doc.kind === "Role" ? { namespace: doc.metadata.namespace as string } : {}),
              ...(rule.resourceNames ? { names: rule.resourceNames } : {}),
            });
    }
  }
  return out;
}

export function allows(grant: Grant, call: RbacCall): boolean {
  return (
    grant.group === call.group &&
    grant.resource === call.resource &&
    grant.verb === call.verb &&
    (grant.namespace === undefined || grant.namespace === call.namespace) &&
    (grant.names === undefined || (call.name !== undefined && grant.names.includes(call.name)))
  );
}
