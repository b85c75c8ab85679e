import type { StructuralSchema } from "../../controller/schema/index.js";

/**
 * Kubernetes' structural-schema rules (apiextensions-apiserver `schema/validation.go`), as far as
 * they can be checked without an API server. Returns one line per violation.
 */
const ALLOWED = new Set([
  "type",
  "description",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "pattern",
  "format",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "minItems",
  "maxItems",
  "default",
  "anyOf",
  "x-kubernetes-int-or-string",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
]);
const FORBIDDEN_IN_JUNCTOR = ["type", "description", "default", "additionalProperties", "nullable"];

export function structuralViolations(schema: StructuralSchema, path = ""): string[] {
  const out: string[] = [];
  const node = schema as Record<string, unknown>;
  for (const key of Object.keys(node)) {
    if (!ALLOWED.has(key)) out.push(`${path}: keyword "${key}" is not allowed`);
  }
  const intOrString = schema["x-kubernetes-int-or-string"] === true;
  if (!schema.type && !intOrString) out.push(`${path}: no type`);
  if (schema.properties && schema.additionalProperties) {
    out.push(`${path}: properties and additionalProperties together`);
  }
  if (schema.type === "object" && schema.items) out.push(`${path}: items on an object`);
  if (schema.type === "array" && !schema.items) out.push(`${path}: array without items`);
  if (schema.anyOf) {
    const exact =
      intOrString &&
      JSON.stringify(schema.anyOf) === JSON.stringify([{ type: "integer" }, { type: "string" }]);
    if (!exact) {
      schema.anyOf.forEach((branch, i) => {
        for (const k of FORBIDDEN_IN_JUNCTOR) {
          if (k in branch) out.push(`${path}.anyOf[${i}]: "${k}" inside a junctor`);
        }
      });
    }
  }
  for (const name of schema.required ?? []) {
    if (!schema.properties?.[name]) out.push(`${path}: required "${name}" is not a property`);
  }
  if (schema["x-kubernetes-list-type"] === "map") {
    for (const k of schema["x-kubernetes-list-map-keys"] ?? []) {
      if (!schema.items?.required?.includes(k))
        out.push(`${path}: list-map key "${k}" not required`);
    }
  }
  if (schema["x-kubernetes-list-type"] === "set") {
    const t = schema.items?.type;
    if (t === "object" || t === "array") out.push(`${path}: a set of non-scalars`);
  }
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    out.push(...structuralViolations(sub, `${path}.${name}`));
  }
  if (schema.items) out.push(...structuralViolations(schema.items, `${path}[]`));
  if (schema.additionalProperties) {
    out.push(...structuralViolations(schema.additionalProperties, `${path}{}`));
  }
  return out;
}

/** Rules of a CRD's root schema with the status subresource enabled. */
export function rootViolations(root: StructuralSchema): string[] {
  const out: string[] = [];
  for (const key of Object.keys(root)) {
    if (!["type", "description", "properties", "required"].includes(key)) {
      out.push(`root: "${key}" is not allowed with the status subresource`);
    }
  }
  if (root.type !== "object") out.push("root: type must be object");
  const metadata = root.properties?.metadata as Record<string, unknown> | undefined;
  if (metadata && Object.keys(metadata).some((k) => k !== "type")) {
    out.push("root: metadata may only be typed");
  }
  return out;
}

/** Every node that declares a default, with its path. */
export function defaults(
  schema: StructuralSchema,
  path = "",
): { path: string; node: StructuralSchema }[] {
  const out = schema.default !== undefined ? [{ path, node: schema }] : [];
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    out.push(...defaults(sub, `${path}.${name}`));
  }
  if (schema.items) out.push(...defaults(schema.items, `${path}[]`));
  return out;
}
