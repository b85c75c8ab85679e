import { describe, expect, it } from "vitest";
import type { MemberGrant, MembershipState } from "../../controller/audit/membership-diff.js";
import { diffMemberships } from "../../controller/audit/membership-diff.js";
import type { Role } from "../../controller/model/index.js";

/** `{ acme: { "a@x.io": "owner" } }` → MembershipState. */
function state(spec: Record<string, Record<string, Role | MemberGrant>>): MembershipState {
  return new Map(
    Object.entries(spec).map(([org, members]) => [
      org,
      new Map(
        Object.entries(members).map(([email, g]) => [
          email,
          typeof g === "string" ? { role: g } : g,
        ]),
      ),
    ]),
  );
}

const cases: {
  name: string;
  before: Record<string, Record<string, Role | MemberGrant>>;
  after: Record<string, Record<string, Role | MemberGrant>>;
  expected: [string, string, string, Role | null, Role | null][];
}[] = [
  {
    name: "no change",
    before: { acme: { a: "owner" } },
    after: { acme: { a: "owner" } },
    expected: [],
  },
  {
    name: "a new organization: its first owner is granted, not transferred",
    before: {},
    after: { acme: { a: "owner", b: "member" } },
    expected: [
      ["acme", "a", "granted", null, "owner"],
      ["acme", "b", "granted", null, "member"],
    ],
  },
  {
    name: "promotion and demotion",
    before: { acme: { a: "owner", b: "member", c: "admin" } },
    after: { acme: { a: "owner", b: "admin", c: "member" } },
    expected: [
      ["acme", "b", "roleChanged", "member", "admin"],
      ["acme", "c", "roleChanged", "admin", "member"],
    ],
  },
  {
    name: "transfer to an admin: the old owner's demotion is its own change",
    before: { acme: { a: "owner", b: "admin" } },
    after: { acme: { a: "admin", b: "owner" } },
    expected: [
      ["acme", "b", "ownershipTransferred", "admin", "owner"],
      ["acme", "a", "roleChanged", "owner", "admin"],
    ],
  },
  {
    name: "transfer to a newcomer while the old owner leaves",
    before: { acme: { a: "owner", b: "member" } },
    after: { acme: { n: "owner", b: "member" } },
    expected: [
      ["acme", "n", "ownershipTransferred", null, "owner"],
      ["acme", "a", "revoked", "owner", null],
    ],
  },
  {
    name: "revocation, and an organization removed entirely",
    before: { acme: { a: "owner", b: "member" }, globex: { g: "owner" } },
    after: { acme: { a: "owner" } },
    expected: [
      ["acme", "b", "revoked", "member", null],
      ["globex", "g", "revoked", "owner", null],
    ],
  },
  {
    name: "a github login change alone is no membership change",
    before: { acme: { a: { role: "owner", github: "a-old" } } },
    after: { acme: { a: { role: "owner", github: "a-new" } } },
    expected: [],
  },
  {
    name: "orgs sorted, then transfers, grants, role changes, revocations, then email",
    before: { zeta: { z: "owner" }, acme: { a: "owner", c: "member", d: "member" } },
    after: { zeta: { z: "owner", y: "admin" }, acme: { a: "admin", c: "owner", b: "member" } },
    expected: [
      ["acme", "c", "ownershipTransferred", "member", "owner"],
      ["acme", "b", "granted", null, "member"],
      ["acme", "a", "roleChanged", "owner", "admin"],
      ["acme", "d", "revoked", "member", null],
      ["zeta", "y", "granted", null, "admin"],
    ],
  },
];

describe("diffMemberships", () => {
  it.each(cases)("$name", ({ before, after, expected }) => {
    const changes = diffMemberships(state(before), state(after));
    expect(changes.map((c) => [c.org, c.email, c.change, c.from, c.to])).toEqual(expected);
  });

  it("is the inverse of itself for grants and revocations", () => {
    const a = state({ acme: { a: "owner", b: "member" } });
    const b = state({ acme: { a: "owner" } });
    expect(diffMemberships(a, b).map((c) => c.change)).toEqual(["revoked"]);
    expect(diffMemberships(b, a).map((c) => c.change)).toEqual(["granted"]);
  });
});
