import { describe, expect, it } from "vitest";
import { decidePullRequest } from "../../controller/audit/pr-policy.js";
import { BASE, base, only, state } from "./policy-fixtures.js";

describe("decidePullRequest: organizations and identities", () => {
  it("authority does not cross organizations", () => {
    const two = state({ acme: BASE, beta: [["zoe@beta.com", "owner", "zoe-gh"]] });
    const head = state({
      acme: BASE,
      beta: [
        ["zoe@beta.com", "owner", "zoe-gh"],
        ["frank@beta.com", "member"],
      ],
    });
    const decision = decidePullRequest(two, head, { author: "alice-gh", approvers: ["bob-gh"] });
    expect(only(decision.changes, "frank@beta.com").missing).toBe(
      "an admin or the owner of beta among the author and approvers",
    );
  });

  it("removing an Organization needs its owner; its members' revocations too", () => {
    const two = state({
      acme: BASE,
      beta: [
        ["zoe@beta.com", "owner", "zoe-gh"],
        ["yan@beta.com", "admin", "yan-gh"],
      ],
    });
    const byAdmin = decidePullRequest(two, base, { author: "yan-gh", approvers: [] });
    expect(
      byAdmin.changes.map((c) => [c.org, c.email, c.change, c.rule, c.satisfiedBy ?? "-"]),
    ).toEqual([
      ["beta", "zoe@beta.com", "organizationRemoved", "org-owner", "-"],
      ["beta", "yan@beta.com", "revoked", "org-owner", "-"],
    ]);
    const byOwner = decidePullRequest(two, base, { author: "yan-gh", approvers: ["zoe-gh"] });
    expect(byOwner.allowed).toBe(true);
  });

  it("creating an Organization needs nothing at base, and is flagged", () => {
    const head = state({
      acme: BASE,
      beta: [
        ["zoe@beta.com", "owner"],
        ["yan@beta.com", "admin"],
      ],
    });
    const decision = decidePullRequest(base, head, { author: "someone", approvers: [] });
    expect(decision.allowed).toBe(true);
    expect(decision.changes).toEqual([
      {
        org: "beta",
        email: "zoe@beta.com",
        change: "organizationCreated",
        from: null,
        to: "owner",
        rule: "org-create",
      },
      {
        org: "beta",
        email: "yan@beta.com",
        change: "granted",
        from: null,
        to: "admin",
        rule: "org-create",
      },
    ]);
    expect(decision.notes).toEqual([
      {
        org: "beta",
        email: "zoe@beta.com",
        message:
          "organization beta is new: nobody holds a role in it at base, so no approval is required by its rules; check that zoe@beta.com should own it",
      },
    ]);
  });

  it("a login two members declare at base counts as nobody there, with a note", () => {
    const shared = state({
      acme: [
        ...BASE.filter((r) => r[0] !== "dave@acme.com"),
        ["dave@acme.com", "member", "bob-gh"],
      ],
    });
    const decision = decidePullRequest(
      shared,
      state({
        acme: [
          ...BASE.filter((r) => r[0] !== "dave@acme.com"),
          ["dave@acme.com", "member", "bob-gh"],
          ["frank@acme.com", "member"],
        ],
      }),
      {
        author: "bob-gh",
        approvers: [],
      },
    );
    expect(decision.allowed).toBe(false);
    expect(decision.notes).toEqual([
      {
        org: "acme",
        message:
          "GitHub login bob-gh is declared by several members of acme at base: it counts as nobody there",
      },
    ]);
  });
});
