import { describe, expect, it } from "vitest";
import { decidePullRequest } from "../../controller/audit/pr-policy.js";
import type { Role } from "../../controller/model/index.js";
import { base, edit, only, state } from "./policy-fixtures.js";

describe("decidePullRequest: the seed's rules as review rules", () => {
  it.each([
    // [title, head rows, author, approvers, expected verdict per email (login or "missing")]
    [
      "R3: an admin author invites a member",
      [["frank@acme.com", "member"]],
      "bob-gh",
      [],
      "bob-gh",
    ],
    [
      "R3: a member author is not enough",
      [["frank@acme.com", "member"]],
      "carol-gh",
      [],
      "missing",
    ],
    [
      "R3: a member author with an admin approver",
      [["frank@acme.com", "member"]],
      "carol-gh",
      ["erin-gh"],
      "erin-gh",
    ],
    ["R3: an admin removes a member", [["carol@acme.com", null]], "bob-gh", [], "bob-gh"],
    ["R3: an admin removes another admin", [["erin@acme.com", null]], "bob-gh", [], "bob-gh"],
    [
      "R3: an admin demotes another admin",
      [["erin@acme.com", "member", "erin-gh"]],
      "bob-gh",
      [],
      "bob-gh",
    ],
    [
      "R4: an admin promotes a member",
      [["carol@acme.com", "admin", "carol-gh"]],
      "bob-gh",
      [],
      "missing",
    ],
    [
      "R4: the owner approves the promotion",
      [["carol@acme.com", "admin", "carol-gh"]],
      "bob-gh",
      ["alice-gh"],
      "alice-gh",
    ],
    [
      "R4: an admin grants admin to a newcomer",
      [["frank@acme.com", "admin"]],
      "bob-gh",
      ["erin-gh"],
      "missing",
    ],
    [
      "R4: the owner grants admin to a newcomer",
      [["frank@acme.com", "admin"]],
      "alice-gh",
      [],
      "alice-gh",
    ],
    [
      "unknown logins count for nothing",
      [["frank@acme.com", "member"]],
      "mallory",
      ["nobody"],
      "missing",
    ],
    [
      "logins compare case-insensitively",
      [["frank@acme.com", "member"]],
      "mallory",
      ["BOB-GH"],
      "BOB-GH",
    ],
  ] as [string, [string, Role | null, string?][], string, string[], string][])(
    "%s",
    (_title, rows, author, approvers, expected) => {
      const email = rows[0]![0];
      const decision = decidePullRequest(base, state({ acme: edit(rows) }), { author, approvers });
      const change = only(decision.changes, email);
      if (expected === "missing") {
        expect(change.satisfiedBy).toBeUndefined();
        expect(change.missing).toMatch(/among the author and approvers/);
        expect(decision.allowed).toBe(false);
      } else {
        expect(change.satisfiedBy).toBe(expected);
        expect(change.missing).toBeUndefined();
        expect(decision.allowed).toBe(true);
      }
    },
  );

  it("R5: an ownership transfer and the old owner's new role need the current owner", () => {
    const head = state({
      acme: edit([
        ["alice@acme.com", "admin", "alice-gh"],
        ["bob@acme.com", "owner", "bob-gh"],
      ]),
    });
    const byAdmin = decidePullRequest(base, head, { author: "bob-gh", approvers: ["erin-gh"] });
    expect(byAdmin.allowed).toBe(false);
    expect(byAdmin.changes).toEqual([
      {
        org: "acme",
        email: "bob@acme.com",
        change: "ownershipTransferred",
        from: "admin",
        to: "owner",
        rule: "R5",
        missing:
          "the owner of acme among the author and approvers; bob-gh may not approve their own elevation; the owner is alice@acme.com (GitHub alice-gh)",
      },
      {
        org: "acme",
        email: "alice@acme.com",
        change: "roleChanged",
        from: "owner",
        to: "admin",
        rule: "R5",
        missing:
          "the owner of acme among the author and approvers; the owner is alice@acme.com (GitHub alice-gh)",
      },
    ]);
    const byOwner = decidePullRequest(base, head, { author: "bob-gh", approvers: ["alice-gh"] });
    expect(byOwner.allowed).toBe(true);
    expect(byOwner.changes.map((c) => [c.change, c.satisfiedBy])).toEqual([
      ["ownershipTransferred", "alice-gh"],
      ["roleChanged", "alice-gh"],
    ]);
  });

  it("nobody approves their own elevation: the target's login never counts for it", () => {
    // bob (admin) adds a second account for himself: R3 would be met by bob, but it is bob's own gain.
    const head = state({ acme: edit([["bob.two@acme.com", "member", "Bob-GH"]]) });
    const alone = decidePullRequest(base, head, { author: "bob-gh", approvers: [] });
    expect(only(alone.changes, "bob.two@acme.com").missing).toBe(
      "an admin or the owner of acme among the author and approvers; bob-gh may not approve their own elevation",
    );
    const withErin = decidePullRequest(base, head, { author: "bob-gh", approvers: ["erin-gh"] });
    expect(only(withErin.changes, "bob.two@acme.com").satisfiedBy).toBe("erin-gh");

    // carol promotes herself and approves her own PR: she is excluded, and would not suffice anyway.
    const self = decidePullRequest(
      base,
      state({ acme: edit([["carol@acme.com", "admin", "carol-gh"]]) }),
      {
        author: "carol-gh",
        approvers: ["carol-gh"],
      },
    );
    expect(only(self.changes, "carol@acme.com").missing).toContain(
      "carol-gh may not approve their own elevation",
    );
    expect(self.allowed).toBe(false);
  });

  it("a github: change is an identity change judged like granting that member's role", () => {
    // mallory maps the owner's Member to her own login: she would own every later PR.
    const takeover = decidePullRequest(
      base,
      state({ acme: edit([["alice@acme.com", "owner", "mallory"]]) }),
      {
        author: "mallory",
        approvers: ["bob-gh"],
      },
    );
    expect(takeover.changes).toEqual([
      {
        org: "acme",
        email: "alice@acme.com",
        change: "githubChanged",
        from: "alice-gh",
        to: "mallory",
        rule: "R5",
        missing:
          "the owner of acme among the author and approvers; mallory may not approve their own elevation; the owner is alice@acme.com (GitHub alice-gh)",
      },
    ]);
    // A member's login needs an admin (R3); an admin's needs the owner (R4).
    const memberLogin = decidePullRequest(
      base,
      state({ acme: edit([["dave@acme.com", "member", "dave-gh"]]) }),
      {
        author: "bob-gh",
        approvers: [],
      },
    );
    expect(only(memberLogin.changes, "dave@acme.com")).toMatchObject({
      change: "githubChanged",
      satisfiedBy: "bob-gh",
    });
    const adminLogin = decidePullRequest(
      base,
      state({ acme: edit([["erin@acme.com", "admin", "erin-new"]]) }),
      {
        author: "bob-gh",
        approvers: [],
      },
    );
    expect(only(adminLogin.changes, "erin@acme.com").missing).toMatch(/^the owner of acme/);
    // Only the case of a login changes: not a change at all.
    const sameLogin = decidePullRequest(
      base,
      state({ acme: edit([["bob@acme.com", "admin", "BOB-gh"]]) }),
      {
        author: "carol-gh",
        approvers: [],
      },
    );
    expect(sameLogin).toEqual({ allowed: true, changes: [], notes: [] });
  });

  it("authority is read at base: a login mapped only at head counts for nothing", () => {
    // dave has no github at base; his PR maps dave-gh and invites frank.
    const head = state({
      acme: edit([
        ["dave@acme.com", "member", "dave-gh"],
        ["frank@acme.com", "member"],
      ]),
    });
    const decision = decidePullRequest(base, head, { author: "dave-gh", approvers: [] });
    expect(decision.allowed).toBe(false);
    expect(only(decision.changes, "frank@acme.com").missing).toBeDefined();
    expect(only(decision.changes, "dave@acme.com").missing).toBeDefined();
  });

  it("no change: allowed with nothing to judge; the author listed as approver counts once", () => {
    expect(decidePullRequest(base, base, { author: "x", approvers: [] })).toEqual({
      allowed: true,
      changes: [],
      notes: [],
    });
    const d = decidePullRequest(base, state({ acme: edit([["frank@acme.com", "member"]]) }), {
      author: "carol-gh",
      approvers: ["Carol-GH", "carol-gh"],
    });
    expect(only(d.changes, "frank@acme.com").missing).toBe(
      "an admin or the owner of acme among the author and approvers",
    );
  });
});
