import type { ErrorObject } from "ajv";

/** A schema problem, anchored to a path inside the document (file positions are load's job). */
export interface SchemaIssue {
  /** Path from the document root, e.g. `["spec", "domains", 0]`; `[]` is the document itself. */
  path: (string | number)[];
  /** True when the key at `path` is the problem (an unknown field), not its value. */
  key: boolean;
  rule: string;
  message: string;
  hint?: string;
}

type Path = (string | number)[];

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (typeof value === "function" || typeof value === "symbol") return typeof value;
  return String(value as number | boolean | bigint | undefined);
}

/** `spec.domains[0]` for `["spec", "domains", 0]`. */
export function fieldName(path: Path): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  }
  return out;
}

function parsePointer(pointer: string): Path {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

const ARTICLE: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "true or false",
};

/**
 * One clear issue per problem: ajv reports a wrong type together with every keyword that then
 * fails too (enum, pattern) and each branch of an `anyOf`; only the root cause is kept.
 */
export function issuesFromAjv(errors: readonly ErrorObject[]): SchemaIssue[] {
  const direct = errors.filter((e) => !e.schemaPath.includes("/anyOf/"));
  const anyOfAt = new Set(direct.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const typeAt = new Set(direct.filter((e) => e.keyword === "type").map((e) => e.instancePath));
  const issues: SchemaIssue[] = [];
  for (const error of direct) {
    if (anyOfAt.has(error.instancePath) && error.keyword !== "anyOf") continue;
    if (typeAt.has(error.instancePath) && error.keyword !== "type") continue;
    issues.push(toIssue(error, parsePointer(error.instancePath)));
  }
  return issues;
}

function toIssue(error: ErrorObject, path: Path): SchemaIssue {
  const field = fieldName(path);
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  const value: unknown = error.data;
  const base = { path, key: false };
  switch (error.keyword) {
    case "required": {
      const name = (error.params as { missingProperty: string }).missingProperty;
      return {
        ...base,
        rule: "schema",
        message: `${field || "the resource"} is missing the required field "${name}"`,
        hint: `add ${field ? `${field}.` : ""}${name}`,
      };
    }
    case "additionalProperties": {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys(
        (error.parentSchema as { properties?: Record<string, unknown> }).properties ?? {},
      );
      const guess = closest(name, allowed);
      return {
        path: [...path, name],
        key: true,
        rule: "schema",
        message: `unknown field "${field ? `${field}.` : ""}${name}"`,
        hint: guess ? `did you mean "${guess}"?` : `allowed here: ${allowed.join(", ")}`,
      };
    }
    case "type": {
      const type = (error.params as { type: string }).type;
      return {
        ...base,
        rule: "schema",
        message: `${field || "the resource"} must be ${ARTICLE[type] ?? type}, not ${describeValue(value)}`,
        ...(description ? { hint: description } : {}),
      };
    }
    case "enum":
      return enumIssue(
        path,
        field,
        value,
        (error.params as { allowedValues: unknown[] }).allowedValues,
      );
    case "format":
      if ((error.params as { format: string }).format === "date-time") {
        return {
          ...base,
          rule: "schema",
          message: `${field} ${describeValue(value)} is not an RFC 3339 timestamp`,
          hint: "write an instant with its time zone, e.g. 2026-03-01T00:00:00Z or 2026-03-01T09:00:00+01:00",
        };
      }
      return {
        ...base,
        rule: "invalid-email",
        message: `${describeValue(value)} is not a valid email address`,
        hint: "write it as name@example.com, without spaces or display names",
      };
    default:
      return {
        ...base,
        rule: "schema",
        message:
          error.keyword === "pattern" || error.keyword === "anyOf"
            ? `${field} ${describeValue(value)} is not valid`
            : `${field} ${error.message ?? "is not valid"}`,
        ...(description ? { hint: description } : {}),
      };
  }
}

function enumIssue(path: Path, field: string, value: unknown, allowed: unknown[]): SchemaIssue {
  const list = allowed.map(String).join(", ");
  if (field === "spec.role") {
    return {
      path,
      key: false,
      rule: "unknown-role",
      message: `unknown role ${describeValue(value)}`,
      hint: didYouMean(value, allowed.map(String), `R1: the roles are exactly ${list}`),
    };
  }
  if (field === "spec.autoProvisioning.role") {
    return value === "owner"
      ? {
          path,
          key: false,
          rule: "auto-provisioning-role",
          message: "auto-provisioning may not grant the owner role",
          hint: "R2 and R8: use admin or member; ownership only moves by a transfer",
        }
      : {
          path,
          key: false,
          rule: "unknown-role",
          message: `unknown role ${describeValue(value)} for auto-provisioning`,
          hint: `use one of: ${list}`,
        };
  }
  return {
    path,
    key: false,
    rule: "schema",
    message: `${field} must be one of ${list}, not ${describeValue(value)}`,
  };
}

/** `did you mean "owner"? <rest>` when a string value is close to one of `candidates`. */
export function didYouMean(value: unknown, candidates: readonly string[], rest: string): string {
  const guess = typeof value === "string" ? closest(value, candidates) : undefined;
  return guess === undefined ? rest : `did you mean "${guess}"? ${rest}`;
}

/** The allowed name a typo most likely meant: same letters ignoring case, or edit distance ≤ 2. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d =
      candidate.toLowerCase() === name.toLowerCase()
        ? 0
        : editDistance(name, candidate, bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? cap;
}
