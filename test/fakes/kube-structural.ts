/**
 * What a kube-apiserver does to a custom resource while decoding it (from a request body or from
 * etcd), driven by the CRD's structural schema: unknown fields are pruned, nulls where the
 * schema allows none are dropped, then `default:`s are applied (KEP-2332 pruning, KEP-575
 * defaulting; apiextensions-apiserver `schema/pruning` and `schema/defaulting`).
 */

/** One node of a CRD's `openAPIV3Schema`, as the YAML in crds/ holds it. */
export interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  default?: unknown;
  nullable?: boolean;
  anyOf?: SchemaNode[];
  allOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  not?: SchemaNode;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
}

type Json = unknown;
type JsonObject = Record<string, Json>;

/**
 * The fields of ObjectMeta. The API server decodes `metadata` into the typed ObjectMeta, so
 * anything else under it is dropped too (apiextensions `schema/objectmeta.Coerce`).
 */
const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

export function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Decodes one custom resource in place as the API server does, and returns the paths of the
 * unknown fields it dropped (`spec.foo`, `status.conditions[0].bar`): the server reports them as
 * warnings (fieldValidation=Warn, the default) or refuses the request (Strict).
 */
export function decodeCustomResource(object: JsonObject, schema: SchemaNode): string[] {
  const pruned: string[] = [];
  if (isObject(object.metadata)) {
    for (const key of Object.keys(object.metadata)) {
      if (!OBJECT_META_FIELDS.has(key)) {
        delete object.metadata[key];
        pruned.push(`metadata.${key}`);
      }
    }
  }
  for (const key of Object.keys(object)) {
    if (key === "metadata" || key === "apiVersion" || key === "kind") continue;
    const property = schema.properties?.[key];
    if (!property && !schema["x-kubernetes-preserve-unknown-fields"]) {
      delete object[key];
      pruned.push(key);
    } else if (property) prune(object[key], property, key, pruned);
  }
  for (const key of Object.keys(object)) {
    if (key !== "metadata") dropNulls(object, key, schema.properties?.[key]);
  }
  applyDefaults(object, schema, true);
  return pruned;
}

/** Drops object fields the schema does not declare (unless it preserves unknown fields). */
function prune(value: Json, schema: SchemaNode, path: string, pruned: string[]): void {
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => prune(v, schema.items!, `${path}[${i}]`, pruned));
    return;
  }
  if (!isObject(value)) return;
  const additional = isObject(schema.additionalProperties)
    ? (schema.additionalProperties as SchemaNode)
    : undefined;
  for (const key of Object.keys(value)) {
    const property = schema.properties?.[key] ?? additional;
    if (property) prune(value[key], property, `${path}.${key}`, pruned);
    else if (!schema["x-kubernetes-preserve-unknown-fields"]) {
      delete value[key];
      pruned.push(`${path}.${key}`);
    }
  }
}

/**
 * A null where the schema is not `nullable` is dropped before defaulting (so a default then
 * fills it in): apiextensions `PruneNonNullableNullsWithoutDefaults` + `Default`.
 */
function dropNulls(parent: JsonObject | Json[], key: string | number, schema?: SchemaNode): void {
  const value = (parent as Record<string | number, Json>)[key];
  if (value === null) {
    if (schema && !schema.nullable) {
      if (Array.isArray(parent)) return; // list items are validated, not pruned
      delete parent[key as string];
    }
    return;
  }
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((_, i) => dropNulls(value, i, schema.items));
  } else if (isObject(value)) {
    const additional = isObject(schema.additionalProperties)
      ? (schema.additionalProperties as SchemaNode)
      : undefined;
    for (const k of Object.keys(value)) dropNulls(value, k, schema.properties?.[k] ?? additional);
  }
}

/** A missing field with a `default:` gets a copy of it; then every present field is visited. */
function applyDefaults(value: Json, schema: SchemaNode, root = false): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const v of value) applyDefaults(v, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (root && key === "metadata") continue;
    if (property.default !== undefined && !(key in value)) {
      value[key] = structuredClone(property.default);
    }
  }
  const additional = isObject(schema.additionalProperties)
    ? (schema.additionalProperties as SchemaNode)
    : undefined;
  for (const [key, v] of Object.entries(value)) {
    if (root && key === "metadata") continue;
    const property = schema.properties?.[key] ?? additional;
    if (property) applyDefaults(v, property);
  }
}
