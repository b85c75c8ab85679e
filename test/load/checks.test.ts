import { describe, expect, it } from "vitest";
import { loadDesiredState } from "../../controller/load/index.js";
import { baseTree, memberDoc, orgDoc, snapshot } from "./fixtures.js";

/** [file, line, col, rule, severity?] */
type Expected = [string, number, number, string, ("error" | "warning")?];

const cases: [string, Record<string, string>, Expected[], RegExp?][] = [
  [
    "YAML syntax error",
    { "bad.yaml": "apiVersion: x\nkind: Member\nmetadata:\n  name: 'unclosed\n" },
    [["bad.yaml", 5, 1, "yaml-syntax"]],
  ],
  [
    "duplicate key",
    {
      "dup.yaml": memberDoc("bob", "bob@acme.com").replace(
        "  role: member\n",
        "  role: member\n  role: admin\n",
      ),
    },
    [["dup.yaml", 9, 3, "duplicate-key"]],
  ],
  [
    "unknown apiVersion, at its value",
    {
      "m.yaml": memberDoc("bob", "bob@acme.com").replace(
        /^apiVersion: .*$/m,
        "apiVersion: roster.io/v1",
      ),
    },
    [["m.yaml", 1, 13, "unknown-api-version"]],
  ],
  [
    "unknown kind in the second document",
    {
      "m.yaml": `${memberDoc("bob", "bob@acme.com")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n`,
    },
    [
      ["m.yaml", 10, 13, "unknown-api-version"],
      ["m.yaml", 11, 7, "unknown-kind"],
    ],
  ],
  [
    "missing field points at the spec key",
    { "m.yaml": memberDoc("bob", "bob@acme.com").replace("  email: bob@acme.com\n", "") },
    [["m.yaml", 5, 1, "schema"]],
    /spec is missing the required field "email"/,
  ],
  [
    "unknown field points at the key",
    { "m.yaml": memberDoc("bob", "bob@acme.com") + "  githb: bob\n" },
    [["m.yaml", 9, 3, "schema"]],
    /unknown field "spec.githb"/,
  ],
  [
    "wrong type points at the value",
    { "o.yaml": orgDoc("globex", "  domains: globex.com\n") },
    [["o.yaml", 6, 12, "schema"]],
    /spec.domains must be a list/,
  ],
  [
    "unknown role",
    { "m.yaml": memberDoc("bob", "bob@acme.com", "superuser") },
    [["m.yaml", 8, 9, "unknown-role"]],
  ],
  [
    "invalid email",
    { "m.yaml": memberDoc("bob", "bob(at)acme.com") },
    [["m.yaml", 7, 10, "invalid-email"]],
  ],
  [
    "auto-provisioning as owner",
    {
      "org.yaml": orgDoc(
        "acme",
        "  domains: [acme.com]\n  autoProvisioning:\n    enabled: true\n    role: owner\n",
      ),
    },
    [["org.yaml", 9, 11, "auto-provisioning-role"]],
  ],
  [
    "duplicate member, case-insensitive, names both places",
    {
      "more.yaml": `${memberDoc("bob", "bob@acme.com")}---\n${memberDoc("robert", "  Bob@ACME.com")}`,
    },
    [["more.yaml", 16, 12, "duplicate-member"]],
    /bob@acme.com is declared twice in organization "acme": Member "bob" at more.yaml:7:10/,
  ],
  [
    "duplicate metadata.name",
    { "more.yaml": memberDoc("alice", "alice2@acme.com") },
    [["more.yaml", 4, 9, "duplicate-name"]],
    /Member "alice" is declared twice; the first is at owner.yaml:4:9/,
  ],
  [
    "member of an undeclared organization",
    { "m.yaml": memberDoc("bob", "bob@acme.com", "member", "acne") },
    [["m.yaml", 6, 17, "unknown-organization"]],
    /organization "acne", which is not declared/,
  ],
  [
    "R2: no owner",
    { "owner.yaml": memberDoc("alice", "alice@acme.com", "admin") },
    [["org.yaml", 4, 9, "R2-no-owner"]],
  ],
  [
    "R2: two owners, each named with its place",
    { "b.yaml": memberDoc("bob", "bob@acme.com", "owner") },
    [
      ["b.yaml", 8, 9, "R2-multiple-owners"],
      ["owner.yaml", 8, 9, "R2-multiple-owners"],
    ],
    /has 2 owners: alice@acme.com \(owner.yaml:8:9\), bob@acme.com \(b.yaml:8:9\)/,
  ],
  [
    "external collaborator is a warning",
    { "ext.yaml": memberDoc("eve", "eve@gmail.com") },
    [["ext.yaml", 7, 10, "external-member", "warning"]],
  ],
  [
    "external member is an error with allowExternal: false",
    {
      "org.yaml": orgDoc("acme", "  domains: [acme.com]\n  allowExternal: false\n"),
      "ext.yaml": memberDoc("eve", "eve@gmail.com"),
    },
    [["ext.yaml", 7, 10, "external-member", "error"]],
  ],
  [
    "allowExternal: false without domains",
    { "org.yaml": orgDoc("acme", "  allowExternal: false\n") },
    [["org.yaml", 6, 18, "external-member", "error"]],
  ],
  [
    "CRLF line endings keep positions",
    { "m.yaml": memberDoc("bob", "bob@acme.com", "boss").replace(/\n/g, "\r\n") },
    [["m.yaml", 8, 9, "unknown-role"]],
  ],
  [
    "a byte-order mark does not shift later documents",
    {
      "m.yaml": `\ufeff${memberDoc("bob", "bob@acme.com")}---\n${memberDoc("carl", "carl@acme.com", "chief")}`,
    },
    [["m.yaml", 17, 9, "unknown-role"]],
  ],
  [
    "a document opening on its marker line",
    {
      "m.yaml": `--- {apiVersion: ${"roster.workjet.io/v1alpha1"}, kind: Member, metadata: {name: bob},\n  spec: {organization: acme, email: bob@acme.com, role: chief}}\n`,
    },
    [["m.yaml", 2, 57, "unknown-role"]],
  ],
  [
    "one GitHub login for two members, case-insensitively (it would hide the owner in PR checks)",
    {
      "m.yaml": `${memberDoc("bob", "bob@acme.com")}  github: bob-gh\n---\n${memberDoc("mal", "mal@acme.com")}  github: BOB-gh\n`,
    },
    [["m.yaml", 19, 11, "duplicate-github"]],
    /GitHub login bob-gh is declared twice in organization "acme": Member "bob" at m\.yaml:9:11 and Member "mal" here/,
  ],
  [
    "GitHub logins: legacy trailing and double hyphens pass, anything else fails",
    {
      "m.yaml": [
        `${memberDoc("p", "p@acme.com")}  github: pweil-\n`,
        `${memberDoc("q", "q@acme.com")}  github: a--b\n`,
        `${memberDoc("r", "r@acme.com")}  github: ${"x".repeat(39)}\n`,
        `${memberDoc("s", "s@acme.com")}  github: -lead\n`,
        `${memberDoc("t", "t@acme.com")}  github: ${"y".repeat(40)}\n`,
        `${memberDoc("u", "u@acme.com")}  github: under_score\n`,
      ].join("---\n"),
    },
    [
      ["m.yaml", 39, 11, "schema"],
      ["m.yaml", 49, 11, "schema"],
      ["m.yaml", 59, 11, "schema"],
    ],
  ],
];

describe("loadDesiredState: every check, with its exact place", () => {
  it.each(cases)("%s", (_name, files, expected, message) => {
    const result = loadDesiredState(snapshot({ ...baseTree(), ...files }));
    const got = result.issues.map((i) => [i.file, i.line, i.col, i.rule, i.severity]);
    expect(got).toEqual(expected.map(([f, l, c, r, s]) => [f, l, c, r, s ?? "error"]));
    if (message) expect(result.issues.some((i) => message.test(i.message))).toBe(true);
    const errors = expected.some(([, , , , s]) => (s ?? "error") === "error");
    expect(result.state === undefined).toBe(errors);
  });

  it("reports all problems of all files in one run", () => {
    const result = loadDesiredState(
      snapshot({
        ...baseTree(),
        "a.yaml": memberDoc("bob", "bob@", "boss"),
        "b.yaml": "kind: [\n",
        "c.yaml": memberDoc("carl", "carl@acme.com", "owner"),
      }),
    );
    expect(result.issues.map((i) => `${i.file}:${i.line}:${i.col}:${i.rule}`)).toEqual([
      "a.yaml:7:10:invalid-email",
      "a.yaml:8:9:unknown-role",
      "b.yaml:2:1:yaml-syntax",
      "c.yaml:8:9:R2-multiple-owners",
      "owner.yaml:8:9:R2-multiple-owners",
    ]);
  });

  it("does not guess 'no owner' when a member of the organization was rejected", () => {
    const result = loadDesiredState(
      snapshot({
        "org.yaml": orgDoc("acme"),
        "owner.yaml": memberDoc("alice", "alice@acme.com", "owner") + "  extra: 1\n",
      }),
    );
    expect(result.issues.map((i) => i.rule)).toEqual(["schema"]);
  });
});
