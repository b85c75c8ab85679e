import { Ajv } from "ajv";
import type { ValidateFunction } from "ajv";
import type { Kind } from "../model/index.js";
import { API_VERSION, KINDS, isTimestamp, isValidEmail } from "../model/index.js";
import { forAjv } from "./for-ajv.js";
import { describeValue, didYouMean, issuesFromAjv } from "./messages.js";
import type { SchemaIssue } from "./messages.js";
import {
  ACCESS_REVIEW_SPEC,
  MEMBER_SPEC,
  ORGANIZATION_SPEC,
  fileMetadata,
} from "./resource-schemas.js";
import type { StructuralSchema } from "./structural.js";
import { KUBERNETES_KEYWORDS } from "./structural.js";
import type { AccessReviewSpec, MemberSpec, OrganizationSpec } from "./types.js";

export type { SchemaIssue } from "./messages.js";

export interface ValidResourceBase<K extends Kind, S> {
  apiVersion: typeof API_VERSION;
  kind: K;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: S;
}
export type ValidOrganization = ValidResourceBase<"Organization", OrganizationSpec>;
export type ValidMember = ValidResourceBase<"Member", MemberSpec>;
export type ValidAccessReview = ValidResourceBase<"AccessReview", AccessReviewSpec>;
export type ValidResource = ValidOrganization | ValidMember | ValidAccessReview;

export const SPEC_SCHEMAS: Record<Kind, StructuralSchema> = {
  Organization: ORGANIZATION_SPEC,
  Member: MEMBER_SPEC,
  AccessReview: ACCESS_REVIEW_SPEC,
};

/** The schema of one resource as written in a file: apiVersion, kind, metadata, spec. */
export function documentSchema(kind: Kind): StructuralSchema {
  return {
    type: "object",
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: {
      apiVersion: { type: "string", enum: [API_VERSION] },
      kind: { type: "string", enum: [kind] },
      metadata: fileMetadata(kind),
      spec: SPEC_SCHEMAS[kind],
    },
  };
}

function createAjv(): Ajv {
  // allErrors: every problem of a document in one run; useDefaults: the validated value carries
  // the defaults the CRDs declare, so files and Kubernetes objects read the same.
  const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true, verbose: true });
  for (const keyword of KUBERNETES_KEYWORDS) ajv.addKeyword(keyword);
  ajv.addFormat("email", { type: "string", validate: isValidEmail });
  ajv.addFormat("date-time", { type: "string", validate: isTimestamp });
  return ajv;
}

let compiled: Record<Kind, ValidateFunction> | undefined;

/** Compiled once per process, on first use: compiling costs milliseconds, validating microseconds. */
function validators(): Record<Kind, ValidateFunction> {
  if (!compiled) {
    const ajv = createAjv();
    compiled = {
      Organization: ajv.compile(forAjv(documentSchema("Organization"))),
      Member: ajv.compile(forAjv(documentSchema("Member"))),
      AccessReview: ajv.compile(forAjv(documentSchema("AccessReview"))),
    };
  }
  return compiled;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Validates one resource document. On success `value` is `raw` itself with the schema defaults
 * filled in (the object is modified in place: no copy per document). Issues name the offending
 * path; `key: true` means the key itself is wrong (an unknown field), not its value.
 */
export function validate(raw: unknown): { value?: ValidResource; issues: SchemaIssue[] } {
  if (!isRecord(raw)) {
    return {
      issues: [
        {
          path: [],
          key: false,
          rule: "schema",
          message: `a resource must be a mapping with apiVersion, kind, metadata and spec, not ${describeValue(raw)}`,
        },
      ],
    };
  }
  const head = checkHead(raw);
  if (head.issues.length > 0 || !head.kind) return { issues: head.issues };
  const check = validators()[head.kind];
  if (check(raw)) return { value: raw as unknown as ValidResource, issues: [] };
  return { issues: issuesFromAjv(check.errors ?? []) };
}

/** apiVersion and kind decide which schema applies, so they are checked first, on their own. */
function checkHead(raw: Record<string, unknown>): { kind?: Kind; issues: SchemaIssue[] } {
  const issues: SchemaIssue[] = [];
  const { apiVersion, kind } = raw;
  if (apiVersion === undefined) {
    issues.push(missing("apiVersion", `add apiVersion: ${API_VERSION}`));
  } else if (apiVersion !== API_VERSION) {
    issues.push({
      path: ["apiVersion"],
      key: false,
      rule: "unknown-api-version",
      message: `unknown apiVersion ${describeValue(apiVersion)}`,
      hint: `Roster resources use apiVersion: ${API_VERSION}`,
    });
  }
  if (kind === undefined) {
    issues.push(missing("kind", "add kind: Organization, kind: Member or kind: AccessReview"));
  } else if (!(KINDS as readonly unknown[]).includes(kind)) {
    issues.push({
      path: ["kind"],
      key: false,
      rule: "unknown-kind",
      message: `unknown kind ${describeValue(kind)}`,
      hint: didYouMean(kind, KINDS, `Roster knows the kinds ${KINDS.join(", ")}`),
    });
  }
  return { kind: issues.length === 0 ? (kind as Kind) : undefined, issues };
}

function missing(field: string, hint: string): SchemaIssue {
  return {
    path: [],
    key: false,
    rule: "schema",
    message: `missing required field "${field}"`,
    hint,
  };
}
