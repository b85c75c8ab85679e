import { describe, expect, it } from "vitest";
import { validate } from "../../controller/schema/index.js";

const API = "roster.workjet.io/v1alpha1";
const member = (spec: Record<string, unknown>, name = "alice") => ({
  apiVersion: API,
  kind: "Member",
  metadata: { name },
  spec,
});
const org = (spec: Record<string, unknown>, name = "acme") => ({
  apiVersion: API,
  kind: "Organization",
  metadata: { name },
  spec,
});
const okMember = { organization: "acme", email: "alice@acme.com", role: "owner" };

describe("validate: defaults", () => {
  it("fills every Organization default", () => {
    const result = validate(org({}));
    expect(result.issues).toEqual([]);
    expect(result.value?.spec).toEqual({
      domains: [],
      allowExternal: true,
      autoProvisioning: { enabled: false, role: "member" },
      invitations: { expireAfter: "7d" },
      unmanaged: "remove",
      safety: { maxRemovals: 10 },
      deletionPolicy: "Orphan",
    });
  });

  it("keeps given values and fills nested defaults of partial objects", () => {
    const result = validate(
      org({
        autoProvisioning: { enabled: true },
        safety: { maxRemovals: "25%" },
        unmanaged: "report",
      }),
    );
    expect(result.issues).toEqual([]);
    expect(result.value?.spec).toMatchObject({
      autoProvisioning: { enabled: true, role: "member" },
      safety: { maxRemovals: "25%" },
      unmanaged: "report",
    });
  });

  it("accepts a valid Member unchanged", () => {
    const result = validate(member({ ...okMember, github: "alice-gh" }));
    expect(result.issues).toEqual([]);
    expect(result.value?.spec).toEqual({ ...okMember, github: "alice-gh" });
  });
});

type Case = [
  string,
  unknown,
  { path: (string | number)[]; key?: boolean; rule: string; message: RegExp }[],
];

const cases: Case[] = [
  [
    "not a mapping",
    ["a"],
    [{ path: [], rule: "schema", message: /must be a mapping.*not a list/ }],
  ],
  [
    "unknown apiVersion",
    { ...member(okMember), apiVersion: "v1" },
    [{ path: ["apiVersion"], rule: "unknown-api-version", message: /unknown apiVersion "v1"/ }],
  ],
  [
    "unknown kind",
    { ...member(okMember), kind: "Team" },
    [{ path: ["kind"], rule: "unknown-kind", message: /unknown kind "Team"/ }],
  ],
  [
    "missing kind",
    { apiVersion: API, metadata: { name: "x" }, spec: {} },
    [{ path: [], rule: "schema", message: /missing required field "kind"/ }],
  ],
  [
    "missing spec field",
    member({ organization: "acme", role: "admin" }),
    [{ path: ["spec"], rule: "schema", message: /spec is missing the required field "email"/ }],
  ],
  [
    "unknown field with a suggestion",
    member({ ...okMember, emial: "x" }),
    [{ path: ["spec", "emial"], key: true, rule: "schema", message: /unknown field "spec.emial"/ }],
  ],
  [
    "unknown top-level field",
    { ...member(okMember), status: {} },
    [{ path: ["status"], key: true, rule: "schema", message: /unknown field "status"/ }],
  ],
  [
    "wrong type reported once",
    member({ ...okMember, role: 3 }),
    [{ path: ["spec", "role"], rule: "schema", message: /spec.role must be a string, not 3/ }],
  ],
  [
    "unknown role",
    member({ ...okMember, role: "superuser" }),
    [{ path: ["spec", "role"], rule: "unknown-role", message: /unknown role "superuser"/ }],
  ],
  [
    "invalid email",
    member({ ...okMember, email: "alice at acme" }),
    [{ path: ["spec", "email"], rule: "invalid-email", message: /not a valid email address/ }],
  ],
  [
    "auto-provisioning as owner",
    org({ autoProvisioning: { enabled: true, role: "owner" } }),
    [
      {
        path: ["spec", "autoProvisioning", "role"],
        rule: "auto-provisioning-role",
        message: /owner/,
      },
    ],
  ],
  [
    "maxRemovals neither count nor percent",
    org({ safety: { maxRemovals: "ten" } }),
    [{ path: ["spec", "safety", "maxRemovals"], rule: "schema", message: /"ten" is not valid/ }],
  ],
  [
    "maxRemovals over 100%",
    org({ safety: { maxRemovals: "150%" } }),
    [{ path: ["spec", "safety", "maxRemovals"], rule: "schema", message: /"150%" is not valid/ }],
  ],
  [
    "negative maxRemovals",
    org({ safety: { maxRemovals: -1 } }),
    [{ path: ["spec", "safety", "maxRemovals"], rule: "schema", message: /-1 is not valid/ }],
  ],
  [
    "bad duration",
    org({ invitations: { expireAfter: "7 days" } }),
    [
      {
        path: ["spec", "invitations", "expireAfter"],
        rule: "schema",
        message: /"7 days" is not valid/,
      },
    ],
  ],
  [
    "bad domain in a list",
    org({ domains: ["acme.com", "not a domain"] }),
    [{ path: ["spec", "domains", 1], rule: "schema", message: /spec.domains\[1\] "not a domain"/ }],
  ],
  [
    "enum of a policy field",
    org({ deletionPolicy: "Destroy" }),
    [
      {
        path: ["spec", "deletionPolicy"],
        rule: "schema",
        message: /one of Orphan, Delete, not "Destroy"/,
      },
    ],
  ],
  [
    "upper-case name",
    member(okMember, "Alice"),
    [{ path: ["metadata", "name"], rule: "schema", message: /metadata.name "Alice" is not valid/ }],
  ],
];

describe("validate: issues", () => {
  it.each(cases)("%s", (_name, raw, expected) => {
    const result = validate(raw);
    expect(result.value).toBeUndefined();
    expect(result.issues).toHaveLength(expected.length);
    expected.forEach((e, i) => {
      const issue = result.issues[i]!;
      expect(issue.path).toEqual(e.path);
      expect(issue.key).toBe(e.key ?? false);
      expect(issue.rule).toBe(e.rule);
      expect(issue.message).toMatch(e.message);
    });
  });

  it("reports every problem of a document at once", () => {
    const result = validate(
      member({ organization: "Acme Corp", email: "x", role: "boss", extra: 1 }),
    );
    expect(result.issues.map((i) => i.rule).sort()).toEqual(
      ["invalid-email", "schema", "schema", "unknown-role"].sort(),
    );
  });

  it("suggests the field a typo meant", () => {
    const [issue] = validate(member({ ...okMember, emial: "x" })).issues;
    expect(issue?.hint).toBe('did you mean "email"?');
  });
});
