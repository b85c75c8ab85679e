/**
 * The subset of OpenAPI v3 / JSON Schema draft-07 that Kubernetes accepts as a structural
 * schema (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
 * every node typed, `properties` and `additionalProperties` never together, no `uniqueItems`,
 * no `$ref`. The same objects become the CRDs' `openAPIV3Schema` and, after `forAjv`, the
 * validator of YAML files.
 */
export interface StructuralSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  additionalProperties?: StructuralSchema;
  items?: StructuralSchema;
  enum?: (string | number | boolean)[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  default?: unknown;
  anyOf?: StructuralSchema[];
  "x-kubernetes-int-or-string"?: true;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
}

/** The `x-kubernetes-*` keywords our schemas use; ajv must know them to stay in strict mode. */
export const KUBERNETES_KEYWORDS = [
  "x-kubernetes-int-or-string",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
] as const;

/**
 * Kubernetes' one allowed shape for "integer or string": exactly these two branches with a type
 * and nothing else (apiextensions `isIntOrStringAnyOfPattern`). Value checks such as `pattern`
 * and `minimum` sit beside the `anyOf`, where each applies only to its own type.
 */
export function intOrString(schema: Omit<StructuralSchema, "type" | "anyOf">): StructuralSchema {
  return {
    ...schema,
    "x-kubernetes-int-or-string": true,
    anyOf: [{ type: "integer" }, { type: "string" }],
  };
}
