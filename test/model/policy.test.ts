import { describe, expect, it } from "vitest";
import type { ActorRole, PolicyChange, PolicyRule } from "../../controller/model/index.js";
import { decide, POLICY_RULES, ruleOf } from "../../controller/model/index.js";

// The authorization matrix of issue 13, written out by hand: the spec, not derived from the code.
// Columns: owner, admin, member, none (no role in the org), system. "me" changes are the
// actor's own (identity me@acme.com); "other" ones someone else's.
type Row = [name: string, change: PolicyChange, rule: PolicyRule, allowed: string];

const ME = "me@acme.com";
const OTHER = "other@acme.com";

// allowed: the roles that may, from "o" owner, "a" admin, "m" member, "n" none ("s" always).
const ROWS: Row[] = [
  ["invite as member", { kind: "invite", role: "member" }, "R3", "oa"],
  ["invite as admin", { kind: "invite", role: "admin" }, "R4", "o"],
  ["cancel an invitation", { kind: "cancelInvite" }, "R3", "oa"],
  ["mark members as managed", { kind: "markManaged" }, "R3", "oa"],
  ["remove a member", { kind: "remove", role: "member" }, "R3", "oa"],
  ["remove an admin", { kind: "remove", role: "admin" }, "R3", "oa"],
  ["remove the owner", { kind: "remove", role: "owner" }, "R5", ""],
  ["promote member → admin", { kind: "changeRole", from: "member", to: "admin" }, "R4", "o"],
  ["demote admin → member", { kind: "changeRole", from: "admin", to: "member" }, "R3", "oa"],
  ["make someone owner", { kind: "changeRole", from: "admin", to: "owner" }, "R5", "o"],
  ["demote the owner", { kind: "changeRole", from: "owner", to: "admin" }, "R5", "o"],
  ["transfer ownership", { kind: "transferOwnership" }, "R5", "o"],
  ["displayName", { kind: "updateField", field: "displayName" }, "admin-settings", "oa"],
  [
    "invitations.expireAfter",
    { kind: "updateField", field: "invitations.expireAfter" },
    "admin-settings",
    "oa",
  ],
  ["domains", { kind: "updateField", field: "domains" }, "owner-settings", "o"],
  ["allowExternal", { kind: "updateField", field: "allowExternal" }, "owner-settings", "o"],
  ["unmanaged", { kind: "updateField", field: "unmanaged" }, "owner-settings", "o"],
  ["safety", { kind: "updateField", field: "safety" }, "owner-settings", "o"],
  ["deletionPolicy", { kind: "updateField", field: "deletionPolicy" }, "owner-settings", "o"],
  ["reviews.every", { kind: "updateField", field: "reviews.every" }, "owner-settings", "o"],
  [
    "expiry.warnBefore",
    { kind: "updateField", field: "expiry.warnBefore" },
    "admin-settings",
    "oa",
  ],
  [
    "auto-provisioning as member",
    { kind: "autoProvisioning", enabled: true, role: "member" },
    "admin-settings",
    "oa",
  ],
  [
    "auto-provisioning as admin",
    { kind: "autoProvisioning", enabled: true, role: "admin" },
    "R4",
    "o",
  ],
  [
    "auto-provisioning off (role admin kept)",
    { kind: "autoProvisioning", enabled: false, role: "admin" },
    "admin-settings",
    "oa",
  ],
  ["create an org owned by me", { kind: "createOrganization", owner: ME }, "org-create", "o"],
  [
    "create an org owned by someone else",
    { kind: "createOrganization", owner: OTHER },
    "org-create",
    "",
  ],
  ["delete the organization", { kind: "deleteOrganization" }, "org-delete", "o"],
  ["create my own API key", { kind: "createApiKey", holder: ME }, "key-create", "oa"],
  ["create someone's API key", { kind: "createApiKey", holder: OTHER }, "key-create", ""],
  ["revoke my own API key", { kind: "revokeApiKey", holder: "Me@ACME.com" }, "key-revoke", "oam"],
  ["revoke someone's API key", { kind: "revokeApiKey", holder: OTHER }, "key-revoke", "o"],
  ["a member's GitHub login", { kind: "linkIdentity", role: "member" }, "R3", "oa"],
  ["an admin's GitHub login", { kind: "linkIdentity", role: "admin" }, "R4", "o"],
  ["the owner's GitHub login", { kind: "linkIdentity", role: "owner" }, "R5", "o"],
  [
    "sign my own access review",
    { kind: "signReview", reviewer: "ME@acme.com" },
    "review-sign",
    "oa",
  ],
  ["sign someone's access review", { kind: "signReview", reviewer: OTHER }, "review-sign", ""],
  ["withdraw an access review", { kind: "withdrawReview" }, "review-sign", "oa"],
  ["list members", { kind: "read", what: "members" }, "R9", "oam"],
  ["list invitations", { kind: "read", what: "invitations" }, "R3", "oa"],
  ["list everyone's API keys", { kind: "read", what: "api-keys" }, "R3", "oa"],
  ["view audit logs", { kind: "read", what: "audit" }, "R9", "oa"],
];

const ROLES: [ActorRole, string][] = [
  ["owner", "o"],
  ["admin", "a"],
  ["member", "m"],
  ["none", "n"],
];

describe("the authorization policy, the whole matrix", () => {
  const cases = ROWS.flatMap(([name, change, rule, allowed]) =>
    ROLES.map(([role, letter]) => ({ name, change, rule, role, may: allowed.includes(letter) })),
  );

  it.each(cases)("$role: $name → $may", ({ change, rule, role, may }) => {
    const decision = decide({ role, identity: ME }, change);
    expect(decision.allowed).toBe(may);
    if (!decision.allowed) {
      const expectedRule =
        role === "none"
          ? change.kind === "createOrganization"
            ? "org-create"
            : "membership"
          : rule;
      expect(decision.rule).toBe(expectedRule);
      expect(decision.message).toContain(`${expectedRule}: ${POLICY_RULES[expectedRule]}`);
      expect(decision.message).toMatch(/^may not /);
    }
    expect(ruleOf(change)).toBe(rule);
  });

  it.each(ROWS)("system: %s is allowed", (_name, change) => {
    expect(decide({ role: "system" }, change)).toEqual({ allowed: true });
  });

  it("an actor without an identity never matches a holder or a declared owner", () => {
    expect(decide({ role: "member" }, { kind: "revokeApiKey", holder: ME }).allowed).toBe(false);
    expect(decide({ role: "owner" }, { kind: "createOrganization", owner: ME }).allowed).toBe(
      false,
    );
  });
});

describe("the policy table is documented", () => {
  it.each(["docs/http-api.md", "docs/pr-check.md"])("%s names every rule", async (file) => {
    const { readFileSync } = await import("node:fs");
    const text = readFileSync(file, "utf8");
    for (const rule of Object.keys(POLICY_RULES)) {
      if (rule.startsWith("R")) continue;
      expect(text).toContain(`\`${rule}\``);
    }
    expect(text).toContain("controller/model/policy.ts");
  });
});
