import type { StructuralSchema } from "./structural.js";

type AjvSchema = Record<string, unknown>;

/**
 * Turns a structural schema into the one ajv validates YAML files with. Two differences only:
 * - Kubernetes prunes unknown fields silently, a file must not carry them: every object with
 *   `properties` gets `additionalProperties: false` (structural schemas may not say that).
 * - ajv's strict mode wants `minimum`/`pattern` next to their type, so an int-or-string node
 *   becomes `anyOf: [integer + number checks, string + string checks]`.
 */
export function forAjv(schema: StructuralSchema): AjvSchema {
  const out: AjvSchema = {};
  for (const [key, value] of Object.entries(schema) as [keyof StructuralSchema, unknown][]) {
    if (key === "properties") {
      const props: AjvSchema = {};
      for (const [name, sub] of Object.entries(value as Record<string, StructuralSchema>)) {
        props[name] = forAjv(sub);
      }
      out.properties = props;
    } else if (key === "items" || key === "additionalProperties") {
      out[key] = forAjv(value as StructuralSchema);
    } else {
      out[key] = value;
    }
  }
  if (schema.properties && !schema.additionalProperties) out.additionalProperties = false;
  if (schema["x-kubernetes-int-or-string"]) {
    const { minimum, maximum, pattern, minLength, maxLength } = schema;
    for (const k of ["minimum", "maximum", "pattern", "minLength", "maxLength"]) delete out[k];
    out.anyOf = [
      withDefined({ type: "integer", minimum, maximum }),
      withDefined({ type: "string", pattern, minLength, maxLength }),
    ];
  }
  return out;
}

function withDefined(record: Record<string, unknown>): AjvSchema {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
