import { describe, expect, it } from "vitest";
import { loadDesiredState, validateSnapshot } from "../../controller/load/index.js";
import { validate } from "../../controller/schema/index.js";
import { baseTree, memberDoc, orgDoc, snapshot } from "../load/fixtures.js";

const NOW = new Date("2026-03-01T00:00:00Z");
/** memberDoc plus `expiresAt` at line 9 (its value at column 14). */
const expiring = (name: string, role: string, at: string) =>
  `${memberDoc(name, `${name}@acme.com`, role)}  expiresAt: ${at}\n`;

describe("validate: spec.expiresAt", () => {
  it("an owner's expiry is an error at the field, naming R2 and the fix", () => {
    const result = validateSnapshot(
      snapshot({
        "org.yaml": orgDoc("acme"),
        "alice.yaml": expiring("alice", "owner", "2027-01-01T00:00:00Z"),
      }),
      { now: NOW },
    );
    expect(result.issues).toHaveLength(1);
    const [issue] = result.issues;
    expect(issue).toMatchObject({
      file: "alice.yaml",
      line: 9,
      col: 14,
      rule: "owner-expires",
      severity: "error",
    });
    expect(issue!.message).toMatch(/without an owner \(R2\)/);
    expect(issue!.hint).toMatch(/transfer ownership/);
  });

  it("an expiry already past is a warning 'expired: will be revoked', the state still loads", () => {
    const result = loadDesiredState(
      snapshot({
        ...baseTree(),
        "bob.yaml": expiring("bob", "member", "2026-02-28T23:59:59+00:00"),
      }),
      { now: NOW },
    );
    expect(result.issues.map((i) => [i.file, i.line, i.col, i.rule, i.severity])).toEqual([
      ["bob.yaml", 9, 14, "expired", "warning"],
    ]);
    expect(result.issues[0]!.message).toMatch(/expired: will be revoked/);
    const bob = result.state!.organizations[0]!.members.find((m) => m.name === "bob");
    expect(bob!.expiresAt).toBe("2026-02-28T23:59:59.000Z");
  });

  it("a future expiry is fine and normalised to UTC; an offset is honoured", () => {
    const result = loadDesiredState(
      snapshot({
        ...baseTree(),
        "bob.yaml": expiring("bob", "member", "2026-03-01T09:00:00+09:00"),
      }),
      { now: new Date("2026-02-28T00:00:00Z") },
    );
    expect(result.issues).toEqual([]);
    expect(result.state!.organizations[0]!.members.find((m) => m.name === "bob")!.expiresAt).toBe(
      "2026-03-01T00:00:00.000Z",
    );
  });

  it.each([
    ["a date without a time", "2026-03-01"],
    ["no time zone", "2026-03-01T00:00:00"],
    ["30 February", "2026-02-30T00:00:00Z"],
    ["hour 25", "2026-03-01T25:00:00Z"],
    ["prose", "next tuesday"],
  ])("refuses %s with a schema error at the value", (_, value) => {
    const result = validateSnapshot(
      snapshot({ ...baseTree(), "bob.yaml": expiring("bob", "member", value) }),
    );
    expect(result.issues.map((i) => [i.line, i.col, i.rule])).toEqual([[9, 14, "schema"]]);
    expect(result.issues[0]!.message).toMatch(/is not an RFC 3339 timestamp/);
  });

  it("Organization spec.expiry.warnBefore and spec.reviews.every are durations", () => {
    const ok = loadDesiredState(
      snapshot({
        ...baseTree(),
        "org.yaml": orgDoc("acme", "  expiry: {warnBefore: 3d}\n  reviews: {every: 90d}\n"),
      }),
    );
    expect(ok.state!.organizations[0]!.lifecycle).toEqual({
      expiryWarnBeforeSeconds: 3 * 86400,
      reviewEverySeconds: 90 * 86400,
    });
    const bad = validate({
      apiVersion: "roster.workjet.io/v1alpha1",
      kind: "Organization",
      metadata: { name: "acme" },
      spec: { expiry: { warnBefore: "soon" } },
    });
    expect(bad.issues.map((i) => i.path.join("."))).toEqual(["spec.expiry.warnBefore"]);
  });
});
