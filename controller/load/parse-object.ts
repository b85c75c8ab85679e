import type { Issue } from "../model/index.js";
import { fieldName, validate } from "../schema/index.js";
import type { ParsedResource } from "./parsed-resource.js";

/**
 * A Kubernetes object (or any parsed JSON) → a ParsedResource for `assembleDesiredState`.
 * Only apiVersion, kind, metadata.name and spec are read: the API server adds uid,
 * resourceVersion, status… which are not the user's declaration. Issues point at `ref`
 * (e.g. `team/Member/alice`), line 1, column 1, and name the field in the message.
 */
export function parseResourceObject(
  object: unknown,
  ref: string,
): { resource?: ParsedResource; issues: Issue[] } {
  const o = (typeof object === "object" && object !== null ? object : {}) as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown };
    spec?: unknown;
  };
  const declared = {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: o.metadata?.name },
    // A copy: validation fills in defaults, and the caller's object may be a shared cache entry.
    spec: o.spec === undefined ? undefined : (structuredClone(o.spec) as unknown),
  };
  const result = validate(declared);
  if (result.value) {
    const { kind, metadata, spec } = result.value;
    const resource: ParsedResource = {
      kind,
      name: metadata.name,
      file: ref,
      line: 1,
      col: 1,
      spec: spec as unknown as Record<string, unknown>,
    };
    return { resource, issues: [] };
  }
  return {
    issues: result.issues.map((i) => {
      const field = fieldName(i.path);
      const issue: Issue = {
        file: ref,
        line: 1,
        col: 1,
        rule: i.rule,
        severity: "error",
        message: field && !i.message.includes(field) ? `${field}: ${i.message}` : i.message,
      };
      if (i.hint) issue.hint = i.hint;
      return issue;
    }),
  };
}
