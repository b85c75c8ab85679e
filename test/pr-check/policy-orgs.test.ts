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
      ["beta", "zoe@beta.com", "organizationRemoved", "org-delete", "-"],
      ["beta", "yan@beta.com", "revoked", "org-delete", "-"],
    ]);
    const byOwner = decidePullRequest(two, base, { author: "yan-gh", approvers: ["zoe-gh"] });
    expect(byOwner.allowed).toBe(true);
  });

  it("creating an Organization needs its declared owner among author and approvers (org-create)", () => {
    const head = state({
      acme: BASE,
      beta: [
        ["zoe@beta.com", "owner", "zoe-gh"],
        ["yan@beta.com", "admin"],
      ],
    });
    const bySomeone = decidePullRequest(base, head, { author: "someone", approvers: ["bob-gh"] });
    expect(bySomeone.allowed).toBe(false);
    expect(bySomeone.changes).toEqual([
      {
        org: "beta",
        email: "zoe@beta.com",
        change: "organizationCreated",
        from: null,
        to: "owner",
        rule: "org-create",
        missing:
          "the declared owner of beta among the author and approvers: zoe@beta.com (GitHub zoe-gh)",
      },
      {
        org: "beta",
        email: "yan@beta.com",
        change: "granted",
        from: null,
        to: "admin",
        rule: "org-create",
        missing:
          "the declared owner of beta among the author and approvers: zoe@beta.com (GitHub zoe-gh)",
      },
    ]);
    expect(bySomeone.notes).toEqual([
      {
        org: "beta",
        email: "zoe@beta.com",
        message:
          "organization beta is new: its declared owner zoe@beta.com creates it and must be among the author and approvers",
      },
    ]);
    const byFounder = decidePullRequest(base, head, { author: "someone", approvers: ["Zoe-GH"] });
    expect(byFounder.allowed).toBe(true);
    expect(byFounder.changes.map((c) => c.satisfiedBy)).toEqual(["Zoe-GH", "Zoe-GH"]);
    // A declared owner without spec.github cannot be recognised: denied, with the reason.
    const anonymous = state({ acme: BASE, beta: [["zoe@beta.com", "owner"]] });
    expect(
      decidePullRequest(base, anonymous, { author: "zoe", approvers: [] }).changes[0]?.missing,
    ).toBe(
      "the declared owner of beta among the author and approvers: zoe@beta.com, who has no spec.github to be recognised by",
    );
  });

  it("an organization that exists elsewhere is judged against its members there, not created", () => {
    // Bypass 2: beta is not at base, but the backend (or an earlier commit) holds it.
    const head = state({
      acme: BASE,
      beta: [
        ["mallory@evil.com", "owner", "mallory"],
        ["zoe@beta.com", "member", "zoe-gh"],
      ],
    });
    const prior = new Map([
      [
        "beta",
        {
          where: "the backend",
          members: state({
            beta: [
              ["zoe@beta.com", "owner", "zoe-gh"],
              ["yan@beta.com", "admin", "yan-gh"],
            ],
          }).get("beta")!,
        },
      ],
    ]);
    const takeover = decidePullRequest(
      base,
      head,
      { author: "mallory", approvers: ["yan-gh"] },
      { prior },
    );
    expect(takeover.allowed).toBe(false);
    expect(
      takeover.changes.map((c) => [c.email, c.change, c.rule, c.missing !== undefined]),
    ).toEqual([
      ["mallory@evil.com", "ownershipTransferred", "R5", true],
      ["zoe@beta.com", "roleChanged", "R5", true],
      ["yan@beta.com", "revoked", "R3", false],
    ]);
    expect(takeover.notes[0]?.message).toBe(
      "organization beta is not declared at base but exists in the backend: it is judged against its members there",
    );
    // The same declaration with the real owner's approval is an ordinary transfer.
    expect(
      decidePullRequest(base, head, { author: "mallory", approvers: ["zoe-gh"] }, { prior })
        .allowed,
    ).toBe(true);
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
