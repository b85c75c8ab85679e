import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TempStore } from "./helpers.js";
import { SYSTEM, asyncCodeOf, codeOf, openTempStore, seedAcme, settings, user } from "./helpers.js";

let t: TempStore;
beforeEach(async () => {
  t = openTempStore();
  await seedAcme(t.store); // alice owner, adam admin, mia member
});
afterEach(() => t.cleanup());

const owner = user("alice@acme.com", "owner");
const admin = user("adam@acme.com", "admin");
const member = user("mia@acme.com", "member");
const roleOf = (email: string) =>
  t.rows<{ role: string }>("SELECT role FROM memberships WHERE email = ?", email)[0]?.role;

describe("R3: only an admin or the owner invites or removes", () => {
  it("a member may neither invite, cancel, resend nor remove, and nothing changes", async () => {
    expect(await asyncCodeOf(() => t.store.invite(member, "acme", "new@acme.com", "member"))).toBe(
      "forbidden",
    );
    await t.store.invite(admin, "acme", "new@acme.com", "member");
    expect(await asyncCodeOf(() => t.store.resendInvite(member, "acme", "new@acme.com"))).toBe(
      "forbidden",
    );
    expect(codeOf(() => t.store.cancelInvite(member, "acme", "new@acme.com"))).toBe("forbidden");
    expect(codeOf(() => t.store.removeMember(member, "acme", "adam@acme.com"))).toBe("forbidden");
    expect(codeOf(() => t.store.listInvitations(member, "acme"))).toBe("forbidden");
    expect(roleOf("adam@acme.com")).toBe("admin");
    expect(t.rows("SELECT * FROM invitations WHERE email = 'new@acme.com'")).toHaveLength(1);
  });

  it("the forbidden message names the rule", async () => {
    await expect(t.store.invite(member, "acme", "x@acme.com", "member")).rejects.toThrow(
      /mia@acme.com \(member of "acme"\) may not invite users as member: R3: only an admin or the owner/,
    );
  });

  it("an admin invites members and removes; an invitation as admin is the owner's (R4)", async () => {
    expect((await t.store.invite(admin, "acme", "new@acme.com", "member")).outcome).toBe("applied");
    await expect(t.store.invite(admin, "acme", "boss@acme.com", "admin")).rejects.toThrow(
      /adam@acme.com \(admin of "acme"\) may not invite users as admin: R4: /,
    );
    // Nor by upgrading a pending member invitation, nor by remove-then-re-invite.
    await expect(t.store.invite(admin, "acme", "new@acme.com", "admin")).rejects.toThrow(/R4/);
    expect(t.store.removeMember(admin, "acme", "mia@acme.com").outcome).toBe("applied");
    expect(roleOf("mia@acme.com")).toBeUndefined();
    await expect(t.store.invite(admin, "acme", "mia@acme.com", "admin")).rejects.toThrow(/R4/);
    expect(
      t.rows("SELECT email, role FROM invitations WHERE status = 'pending' ORDER BY email"),
    ).toEqual([{ email: "new@acme.com", role: "member" }]);
    expect((await t.store.invite(owner, "acme", "boss@acme.com", "admin")).outcome).toBe("applied");
  });

  it("authority is the current role, not the one the credential claims", () => {
    const claimsOwner = user("mia@acme.com", "owner");
    expect(codeOf(() => t.store.removeMember(claimsOwner, "acme", "adam@acme.com"))).toBe(
      "forbidden",
    );
    const stranger = user("eve@evil.com", "owner");
    expect(codeOf(() => t.store.removeMember(stranger, "acme", "mia@acme.com"))).toBe("forbidden");
  });

  it("a credential scoped to another organization is refused", () => {
    t.store.createOrganization(SYSTEM, "beta", settings({ domains: [] }), "adam@acme.com");
    const scopedToBeta = user("adam@acme.com", "owner", "beta");
    expect(codeOf(() => t.store.removeMember(scopedToBeta, "acme", "mia@acme.com"))).toBe(
      "forbidden",
    );
    expect(t.store.listOrganizations(scopedToBeta).map((o) => o.name)).toEqual(["beta"]);
    expect(t.store.listOrganizations(user("adam@acme.com", "admin")).map((o) => o.name)).toEqual([
      "acme",
      "beta",
    ]);
  });

  it("users cannot create organizations; the owner cannot be removed by anyone", () => {
    expect(
      codeOf(() => t.store.createOrganization(owner, "gamma", settings(), "alice@acme.com")),
    ).toBe("forbidden");
    expect(codeOf(() => t.store.removeMember(SYSTEM, "acme", "alice@acme.com"))).toBe("conflict");
    expect(roleOf("alice@acme.com")).toBe("owner");
  });
});

describe("R4: only the owner promotes to admin", () => {
  it("an admin may not promote a member; the owner may", () => {
    expect(codeOf(() => t.store.changeRole(admin, "acme", "mia@acme.com", "admin"))).toBe(
      "forbidden",
    );
    expect(roleOf("mia@acme.com")).toBe("member");
    expect(t.store.changeRole(owner, "acme", "mia@acme.com", "admin").outcome).toBe("applied");
    expect(roleOf("mia@acme.com")).toBe("admin");
  });

  it("an admin may demote an admin (team management, R3); a member may not", () => {
    expect(codeOf(() => t.store.changeRole(member, "acme", "adam@acme.com", "member"))).toBe(
      "forbidden",
    );
    expect(roleOf("adam@acme.com")).toBe("admin");
    t.store.changeRole(owner, "acme", "mia@acme.com", "admin");
    expect(t.store.changeRole(admin, "acme", "mia@acme.com", "member").outcome).toBe("applied");
    expect(t.store.changeRole(admin, "acme", "mia@acme.com", "member").outcome).toBe("noop");
    expect(roleOf("mia@acme.com")).toBe("member");
  });

  it("a role change is one UPDATE: keys and sessions survive it (unlike a removal, R6)", () => {
    const key = t.store.createApiKey(SYSTEM, "acme", "mia@acme.com");
    t.store.signIn("mia@acme.com");
    t.store.changeRole(owner, "acme", "mia@acme.com", "admin");
    expect(t.store.authenticateApiKey(key.key)).toMatchObject({
      email: "mia@acme.com",
      role: "admin",
    });
    expect(t.rows("SELECT * FROM sessions WHERE revoked_at IS NULL")).toHaveLength(1);
  });

  it("ownership never moves through changeRole", () => {
    expect(codeOf(() => t.store.changeRole(owner, "acme", "adam@acme.com", "owner"))).toBe(
      "invalid",
    );
    expect(codeOf(() => t.store.changeRole(SYSTEM, "acme", "alice@acme.com", "admin"))).toBe(
      "invalid",
    );
    expect(codeOf(() => t.store.changeRole(SYSTEM, "acme", "mia@acme.com", "boss" as never))).toBe(
      "invalid",
    );
  });
});

describe("R5: only the owner transfers, only to an active member", () => {
  it("an admin may not transfer; the owner may, and becomes an admin", () => {
    expect(codeOf(() => t.store.transferOwnership(admin, "acme", "adam@acme.com"))).toBe(
      "forbidden",
    );
    expect(roleOf("alice@acme.com")).toBe("owner");
    expect(t.store.transferOwnership(owner, "acme", "mia@acme.com").outcome).toBe("applied");
    expect(roleOf("mia@acme.com")).toBe("owner");
    expect(roleOf("alice@acme.com")).toBe("admin");
    // Alice is an admin now: she cannot transfer again.
    expect(codeOf(() => t.store.transferOwnership(owner, "acme", "alice@acme.com"))).toBe(
      "forbidden",
    );
  });

  it("refuses a transfer to a non-member or to someone only invited", async () => {
    await t.store.invite(owner, "acme", "ivy@acme.com", "member");
    expect(codeOf(() => t.store.transferOwnership(owner, "acme", "ivy@acme.com"))).toBe("conflict");
    expect(codeOf(() => t.store.transferOwnership(SYSTEM, "acme", "nobody@acme.com"))).toBe(
      "conflict",
    );
    expect(() => t.store.transferOwnership(SYSTEM, "acme", "ivy@acme.com")).toThrow(
      /not an active member of "acme" \(R5\): invite them, and transfer once they have accepted/,
    );
    expect(roleOf("alice@acme.com")).toBe("owner");
    expect(t.rows("SELECT * FROM memberships WHERE role = 'owner'")).toHaveLength(1);
  });

  it("a transfer planned from a stale owner is a conflict; a repeated one is a noop", () => {
    t.store.transferOwnership(SYSTEM, "acme", "adam@acme.com", { expectFrom: "alice@acme.com" });
    expect(
      t.store.transferOwnership(SYSTEM, "acme", "adam@acme.com", { expectFrom: "alice@acme.com" })
        .outcome,
    ).toBe("noop");
    expect(
      codeOf(() =>
        t.store.transferOwnership(SYSTEM, "acme", "mia@acme.com", { expectFrom: "alice@acme.com" }),
      ),
    ).toBe("conflict");
  });
});

describe("R9 reads and API keys", () => {
  it("audit logs are for admins and the owner; members see the team list", () => {
    expect(codeOf(() => t.store.listAudit(member, "acme"))).toBe("forbidden");
    expect(t.store.listAudit(admin, "acme").items.length).toBeGreaterThan(0);
    expect(t.store.listMembers(member, "acme").items.map((m) => m.email)).toEqual([
      "adam@acme.com",
      "alice@acme.com",
      "mia@acme.com",
    ]);
  });

  it("API keys: personal, for admins and the owner only (members get theirs from the system)", () => {
    expect(codeOf(() => t.store.createApiKey(member, "acme", "mia@acme.com"))).toBe("forbidden");
    expect(codeOf(() => t.store.createApiKey(admin, "acme", "mia@acme.com"))).toBe("forbidden");
    const own = t.store.createApiKey(admin, "acme", "adam@acme.com");
    expect(own.key).toMatch(/^rk_[A-Za-z0-9_-]{43}$/);
    const mias = t.store.createApiKey(SYSTEM, "acme", "mia@acme.com");
    expect(codeOf(() => t.store.createApiKey(SYSTEM, "acme", "nobody@acme.com"))).toBe("not-found");
    // Only the hash is stored.
    expect(
      t.rows("SELECT * FROM api_keys WHERE key_hash = ? OR prefix = ?", own.key, own.key),
    ).toHaveLength(0);
    expect(t.store.listApiKeys(member, "acme").map((k) => k.id)).toEqual([mias.id]);
    expect(t.store.listApiKeys(admin, "acme").map((k) => k.id)).toEqual([own.id, mias.id]);
    // Mia may revoke her own key; not Adam's.
    expect(codeOf(() => t.store.revokeApiKey(member, "acme", own.id))).toBe("forbidden");
    expect(t.store.revokeApiKey(member, "acme", mias.id).outcome).toBe("applied");
    expect(t.store.revokeApiKey(member, "acme", mias.id).outcome).toBe("noop");
    expect(t.store.authenticateApiKey(mias.key)).toBeNull();
    expect(t.store.authenticateApiKey(own.key)).toEqual({
      keyId: own.id,
      org: "acme",
      email: "adam@acme.com",
      role: "admin",
    });
    expect(t.store.authenticateApiKey("rk_not-a-key")).toBeNull();
  });

  it("capabilities are the current role and the credential's own identity", () => {
    expect(t.store.capabilities(member, "acme")).toEqual({
      actorRole: "member",
      identity: "mia@acme.com",
    });
    expect(t.store.capabilities(user("adam@acme.com", "owner"), "acme")).toEqual({
      actorRole: "admin",
      identity: "adam@acme.com",
    });
    expect(t.store.capabilities(SYSTEM, "acme")).toEqual({ actorRole: "system" });
  });
});
