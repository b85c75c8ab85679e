import type { SchemaNode } from "./kube-structural.js";
import { isObject } from "./kube-structural.js";

/**
 * A kube-apiserver's validation of a custom resource against its CRD schema, with the field
 * errors it answers (apiextensions `kubeOpenAPIResultToFieldErrors` over kube-openapi's
 * validators, apimachinery `field.Error`, `structurallisttype.ValidateListSetsAndMaps`), so that
 * a client sees the same 422 Invalid body from the fake as from a real cluster.
 */

export type FieldErrorType =
  | "FieldValueRequired"
  | "FieldValueNotSupported"
  | "FieldValueInvalid"
  | "FieldValueTypeInvalid"
  | "FieldValueDuplicate"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueForbidden";

export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** `ErrorBody()`: the message without the field path. */
  body: string;
}

const TYPE_WORDS: Record<FieldErrorType, string> = {
  FieldValueRequired: "Required value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueInvalid: "Invalid value",
  FieldValueTypeInvalid: "Invalid value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueForbidden: "Forbidden",
};

/** apimachinery's `field.Error`: Required/Forbidden/TooLong omit the value; strings are quoted. */
export function fieldError(
  type: FieldErrorType,
  field: string,
  value: unknown,
  detail = "",
): FieldError {
  let body = TYPE_WORDS[type];
  const omitsValue =
    type === "FieldValueRequired" || type === "FieldValueForbidden" || type === "FieldValueTooLong";
  if (!omitsValue) {
    // Go prints numbers and booleans bare, strings quoted, anything else as JSON.
    const shown =
      value === null || value === undefined
        ? "null"
        : typeof value === "number" || typeof value === "boolean"
          ? String(value)
          : JSON.stringify(value);
    body += `: ${shown}`;
  }
  if (detail) body += `: ${detail}`;
  return { type, field, body };
}

/** Validates a whole custom resource (metadata aside: the server checks it itself). */
export function validateCustomResource(object: Record<string, unknown>, root: SchemaNode) {
  const errors: FieldError[] = [];
  for (const name of root.required ?? []) {
    if (!(name in object)) errors.push(fieldError("FieldValueRequired", name, undefined));
  }
  for (const [key, value] of Object.entries(object)) {
    const schema = root.properties?.[key];
    if (key === "metadata" || !schema) continue;
    validate(value, schema, key, errors);
  }
  return errors;
}

function validate(value: unknown, schema: SchemaNode, path: string, errors: FieldError[]): void {
  if (value === null) {
    if (!schema.nullable) typeError(path, schema, "null", errors);
    return;
  }
  const actual = jsonType(value);
  if (!typeMatches(schema, actual, value)) {
    typeError(path, schema, actual, errors);
    return;
  }
  if (schema.enum && !schema.enum.some((e) => sameJson(e, value))) {
    const allowed = schema.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e)));
    const detail = `supported values: ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;
    errors.push(fieldError("FieldValueNotSupported", path, value, detail));
  }
  if (typeof value === "string") validateString(value, schema, path, errors);
  if (typeof value === "number") validateNumber(value, schema, path, errors);
  if (Array.isArray(value)) validateArray(value, schema, path, errors);
  if (isObject(value)) validateObject(value, schema, path, errors);
  if (schema.anyOf && !schema.anyOf.some((s) => quietlyValid(value, s, path))) {
    errors.push(invalid(path, value, "must validate at least one schema (anyOf)"));
  }
  for (const s of schema.allOf ?? []) validate(value, s, path, errors);
  if (schema.oneOf && schema.oneOf.filter((s) => quietlyValid(value, s, path)).length !== 1) {
    errors.push(invalid(path, value, "must validate one and only one schema (oneOf)"));
  }
  if (schema.not && quietlyValid(value, schema.not, path)) {
    errors.push(invalid(path, value, "must not validate the schema (not)"));
  }
}

function quietlyValid(value: unknown, schema: SchemaNode, path: string): boolean {
  const errors: FieldError[] = [];
  validate(value, schema, path, errors);
  return errors.length === 0;
}

/** kube-openapi: "<path> in body <rule>", reported as field.Invalid with the value. */
function invalid(path: string, value: unknown, rule: string): FieldError {
  return fieldError("FieldValueInvalid", path, value, `${path} in body ${rule}`);
}

function validateString(value: string, schema: SchemaNode, path: string, errors: FieldError[]) {
  const length = [...value].length; // kube-openapi counts runes, not bytes
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push(
      fieldError("FieldValueTooLong", path, value, `may not be longer than ${schema.maxLength}`),
    );
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push(invalid(path, value, `should be at least ${schema.minLength} chars long`));
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
    errors.push(invalid(path, value, `should match '${schema.pattern}'`));
  }
  const check = schema.format ? FORMATS[schema.format] : undefined;
  if (check && !check(value)) {
    errors.push(invalid(path, value, `must be of type ${schema.format}: ${JSON.stringify(value)}`));
  }
}

function validateNumber(value: number, schema: SchemaNode, path: string, errors: FieldError[]) {
  if (schema.minimum !== undefined) {
    const below = schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum;
    if (below) {
      const rule = schema.exclusiveMinimum ? "greater than" : "greater than or equal to";
      errors.push(invalid(path, value, `should be ${rule} ${schema.minimum}`));
    }
  }
  if (schema.maximum !== undefined) {
    const above = schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum;
    if (above) {
      const rule = schema.exclusiveMaximum ? "less than" : "less than or equal to";
      errors.push(invalid(path, value, `should be ${rule} ${schema.maximum}`));
    }
  }
}

function validateArray(value: unknown[], schema: SchemaNode, path: string, errors: FieldError[]) {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    errors.push(
      fieldError(
        "FieldValueTooMany",
        path,
        value.length,
        `must have at most ${schema.maxItems} items`,
      ),
    );
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    errors.push(invalid(path, value, `should have at least ${schema.minItems} items`));
  }
  if (schema.items) value.forEach((v, i) => validate(v, schema.items!, `${path}[${i}]`, errors));
  // x-kubernetes-list-type: a set holds each value once; a map each combination of its keys.
  const listType = schema["x-kubernetes-list-type"];
  if (listType !== "set" && listType !== "map") return;
  const seen = new Set<string>();
  value.forEach((item, i) => {
    let key: unknown = item;
    if (listType === "map") {
      if (!isObject(item)) return;
      key = Object.fromEntries(
        (schema["x-kubernetes-list-map-keys"] ?? []).map((k) => [k, item[k]]),
      );
    }
    const id = canonical(key);
    if (seen.has(id)) errors.push(fieldError("FieldValueDuplicate", `${path}[${i}]`, key));
    seen.add(id);
  });
}

function validateObject(
  value: Record<string, unknown>,
  schema: SchemaNode,
  path: string,
  errors: FieldError[],
) {
  for (const name of schema.required ?? []) {
    if (!(name in value)) errors.push(fieldError("FieldValueRequired", `${path}.${name}`, null));
  }
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    errors.push(
      fieldError(
        "FieldValueTooMany",
        path,
        count,
        `must have at most ${schema.maxProperties} items`,
      ),
    );
  }
  const additional = isObject(schema.additionalProperties)
    ? (schema.additionalProperties as SchemaNode)
    : undefined;
  for (const [key, v] of Object.entries(value)) {
    const property = schema.properties?.[key] ?? additional;
    if (property) validate(v, property, `${path}.${key}`, errors);
  }
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value; // string, boolean, object
}

function typeMatches(schema: SchemaNode, actual: string, value: unknown): boolean {
  if (schema["x-kubernetes-int-or-string"]) return actual === "integer" || actual === "string";
  if (schema.type === undefined) return true;
  if (schema.type === "number") return typeof value === "number";
  return schema.type === actual;
}

function typeError(path: string, schema: SchemaNode, actual: string, errors: FieldError[]) {
  const wanted = schema["x-kubernetes-int-or-string"] ? "integer,string" : (schema.type ?? "");
  errors.push(
    fieldError(
      "FieldValueTypeInvalid",
      path,
      actual,
      `${path} in body must be of type ${wanted}: ${JSON.stringify(actual)}`,
    ),
  );
}

/**
 * The formats our CRDs use, checked as kube-openapi's strfmt does: `date-time` is a calendar
 * date, "T", then hh:mm:ss[.frac] and Z or ±hh:mm (no space, no missing zone); `email` is what
 * Go's `mail.ParseAddress` accepts, approximated by an addr-spec optionally inside a name-addr.
 * Formats kube-openapi does not know are not checked, as there.
 */
const FORMATS: Record<string, (value: string) => boolean> = {
  "date-time": (value) => {
    const [date, time, ...rest] = value.toLowerCase().split("t");
    if (date === undefined || time === undefined || rest.length > 0 || !isDate(date)) return false;
    const m = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/.exec(time);
    return m !== null && m[1]! <= "23" && m[2]! <= "59" && m[3]! <= "59";
  },
  date: isDate,
  email: (value) => {
    const addr = /^[^<>]*<([^<>]+)>$/.exec(value)?.[1] ?? value;
    const atom = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
    return new RegExp(`^${atom}(\\.${atom})*@${atom}(\\.${atom})*$`).test(addr);
  },
};

function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Deep equality of JSON values independent of key order (apimachinery's semantic DeepEqual). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
