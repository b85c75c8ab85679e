import { describe, expect, it } from "vitest";
import { loadDesiredState } from "../../controller/load/index.js";
import { plan } from "../../controller/plan/index.js";
import { build } from "../plan/fixtures.js";
import { memberDoc, orgDoc, snapshot } from "../load/fixtures.js";
import { review } from "./lifecycle-history.js";

const tree = (reviewer: string, orgSpec = "  domains: [acme.com]\n  reviews: {every: 90d}\n") => ({
  "org.yaml": orgDoc("acme", orgSpec),
  "members.yaml": [
    memberDoc("alice", "alice@acme.com", "owner"),
    memberDoc("bob", "bob@acme.com", "admin"),
    memberDoc("carol", "carol@acme.com", "member"),
  ].join("---\n"),
  "review.yaml": review("q1", reviewer, "2026-03-02T08:00:00Z"),
});

describe("AccessReview validation: the reviewer is the owner or an admin at that revision", () => {
  it.each([["alice@acme.com"], ["BOB@acme.com"]])("%s may sign", (reviewer) => {
    const result = loadDesiredState(snapshot(tree(reviewer)));
    expect(result.issues).toEqual([]);
    expect(result.state!.organizations[0]!.reviews).toEqual([
      {
        name: "q1",
        reviewer: reviewer.toLowerCase(),
        reviewedAt: "2026-03-02T08:00:00.000Z",
        scope: "all members",
        source: { file: "review.yaml", line: 1, col: 1 },
      },
    ]);
  });

  it.each([
    ["carol@acme.com", /carol@acme\.com is member of "acme"/],
    ["mallory@evil.io", /mallory@evil\.io is not a member of "acme"/],
  ])("%s may not: an error at spec.reviewer, nothing loads", (reviewer, message) => {
    const result = loadDesiredState(snapshot(tree(reviewer)));
    expect(result.state).toBeUndefined();
    expect(result.issues.map((i) => [i.file, i.line, i.col, i.rule])).toEqual([
      ["review.yaml", 7, 13, "review-reviewer"],
    ]);
    expect(result.issues[0]!.message).toMatch(message);
  });

  it("a review of an undeclared organization is an unknown-organization error", () => {
    const files = tree("alice@acme.com");
    files["review.yaml"] = files["review.yaml"].replace("organization: acme", "organization: acne");
    const result = loadDesiredState(snapshot(files));
    expect(result.issues.map((i) => i.rule)).toEqual(["unknown-organization"]);
    expect(result.issues[0]!.message).toMatch(/^AccessReview "q1" belongs to organization "acne"/);
  });

  it("a review missing reviewedAt is a schema error", () => {
    const files = tree("alice@acme.com");
    files["review.yaml"] = files["review.yaml"].replace(/ {2}reviewedAt: .*\n/, "");
    expect(loadDesiredState(snapshot(files)).issues.map((i) => i.rule)).toEqual(["schema"]);
  });
});

describe("plan warns when the latest AccessReview is older than spec.reviews.every", () => {
  const loaded = loadDesiredState(snapshot(tree("alice@acme.com"))).state!;
  const { observed } = build([
    {
      declared: { alice: "owner", bob: "admin", carol: "member" },
      actual: { alice: "owner", bob: "admin", carol: "member" },
    },
  ]);
  const codes = (now: string) =>
    plan(loaded, observed, { now: new Date(now) }).warnings.map((w) => w.code);

  it("not due the day before the deadline; due from the deadline on", () => {
    expect(codes("2026-05-31T07:59:59Z")).toEqual([]);
    expect(codes("2026-05-31T08:00:00Z")).toEqual(["access-review-due"]);
    const warning = plan(loaded, observed, { now: new Date("2026-06-10T00:00:00Z") }).warnings[0]!;
    expect(warning.message).toMatch(
      /latest access review \(2026-03-02T08:00:00\.000Z, by alice@acme\.com\) is older than 90d/,
    );
  });

  it("no AccessReview at all is due at once; no spec.reviews.every, no warning", () => {
    const { "review.yaml": _review, ...files } = tree("alice@acme.com");
    expect(_review).toContain("AccessReview");
    const none = loadDesiredState(snapshot(files)).state!;
    expect(
      plan(none, observed, { now: new Date("2026-01-01T00:00:00Z") }).warnings.map((w) => w.code),
    ).toEqual(["access-review-due"]);
    const unset = loadDesiredState(
      snapshot(tree("alice@acme.com", "  domains: [acme.com]\n")),
    ).state!;
    expect(plan(unset, observed, { now: new Date("2030-01-01T00:00:00Z") }).warnings).toEqual([]);
  });
});

describe("two AccessReviews at the same instant", () => {
  it("the latest is the same whatever order the source lists them in", () => {
    const at = "2026-03-02T08:00:00Z";
    const latest = (first: string, second: string) => {
      const result = loadDesiredState(
        snapshot({
          ...tree("alice@acme.com"),
          "review.yaml":
            review(first, "alice@acme.com", at) + "---\n" + review(second, "bob@acme.com", at),
        }),
      );
      expect(result.issues).toEqual([]);
      return result.state!.organizations[0]!.reviews!.at(-1)!.name;
    };
    expect(latest("q1", "q2")).toBe("q2");
    expect(latest("q2", "q1")).toBe("q2");
  });
});
