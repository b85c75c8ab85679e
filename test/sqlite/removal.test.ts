import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TempStore } from "./helpers.js";
import { SYSTEM, codeOf, openTempStore, seedAcme, settings, user } from "./helpers.js";

let t: TempStore;
beforeEach(async () => {
  t = openTempStore();
  await seedAcme(t.store); // alice owner, adam admin, mia member
  t.store.createOrganization(SYSTEM, "beta", settings({ domains: [] }), "alice@acme.com");
  await t.store.invite(SYSTEM, "beta", "mia@acme.com", "member");
  t.store.acceptInvitationByEmail(SYSTEM, "beta", "mia@acme.com");
});
afterEach(() => t.cleanup());

interface KeyRow {
  org_id: number;
  revoked_at: string | null;
}

describe("R6: removal revokes keys and sessions in the same transaction", () => {
  it("deletes the membership, revokes the org's keys of the user and every session of the user", () => {
    const acmeKey = t.store.createApiKey(SYSTEM, "acme", "mia@acme.com");
    const betaKey = t.store.createApiKey(SYSTEM, "beta", "mia@acme.com");
    const adamKey = t.store.createApiKey(SYSTEM, "acme", "adam@acme.com");
    const session1 = t.store.signIn("mia@acme.com").sessionToken;
    const session2 = t.store.signIn("mia@acme.com").sessionToken;
    t.store.signIn("adam@acme.com");
    t.clock.advance(60);

    const result = t.store.removeMember(user("adam@acme.com", "admin"), "acme", "mia@acme.com", {
      reason: "left the company",
      revision: "abc123",
    });
    expect(result).toEqual({ outcome: "applied", apiKeysRevoked: 1, sessionsRevoked: 2 });

    const removedAt = new Date(t.clock.time).toISOString();
    expect(
      t.rows(
        "SELECT * FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE o.slug = 'acme' AND email = 'mia@acme.com'",
      ),
    ).toEqual([]);
    const keys = t.rows<KeyRow & { email: string }>(
      "SELECT org_id, email, revoked_at FROM api_keys ORDER BY id",
    );
    expect(keys).toEqual([
      { org_id: 1, email: "mia@acme.com", revoked_at: removedAt },
      { org_id: 2, email: "mia@acme.com", revoked_at: null }, // her key for beta stays
      { org_id: 1, email: "adam@acme.com", revoked_at: null },
    ]);
    expect(
      t.rows<{ email: string; revoked_at: string | null }>(
        "SELECT email, revoked_at FROM sessions ORDER BY id",
      ),
    ).toEqual([
      { email: "mia@acme.com", revoked_at: removedAt },
      { email: "mia@acme.com", revoked_at: removedAt },
      { email: "adam@acme.com", revoked_at: null },
    ]);
    // The audit event is written by the same transaction, at the same instant.
    const [event] = t.store.listAudit(SYSTEM, "acme", { limit: 1 }).items;
    expect(event).toMatchObject({
      time: removedAt,
      actor: "user:adam@acme.com",
      action: "removeMember",
      target: "mia@acme.com",
      before: { role: "member", autoProvisioned: false },
      after: { apiKeysRevoked: 1, sessionsRevoked: 2 },
      reason: "left the company",
      revision: "abc123",
    });
    // Access stops at once.
    expect(t.store.authenticateApiKey(acmeKey.key)).toBeNull();
    expect(t.store.authenticateSession(session1)).toBeNull();
    expect(t.store.authenticateSession(session2)).toBeNull();
    expect(t.store.authenticateApiKey(betaKey.key)).toMatchObject({ org: "beta" });
    expect(t.store.authenticateApiKey(adamKey.key)).toMatchObject({ email: "adam@acme.com" });
    // Removing again changes nothing.
    expect(t.store.removeMember(SYSTEM, "acme", "mia@acme.com").outcome).toBe("noop");
  });

  it("is all or nothing: a failure half-way (here: session revocation) leaves membership and keys intact", () => {
    const key = t.store.createApiKey(SYSTEM, "acme", "mia@acme.com");
    t.store.signIn("mia@acme.com");
    // Sabotage the last statement of the removal from outside, as a broken disk or a bug would.
    const db = new Database(t.file);
    db.exec(`CREATE TRIGGER sabotage BEFORE UPDATE OF revoked_at ON sessions
             BEGIN SELECT RAISE(ABORT, 'sabotaged'); END`);
    db.close();
    expect(() => t.store.removeMember(SYSTEM, "acme", "mia@acme.com")).toThrow(/sabotaged/);
    expect(t.rows("SELECT * FROM memberships WHERE email = 'mia@acme.com'")).toHaveLength(2);
    expect(t.rows("SELECT * FROM api_keys WHERE revoked_at IS NOT NULL")).toHaveLength(0);
    expect(t.rows("SELECT * FROM audit_events WHERE action = 'removeMember'")).toHaveLength(0);
    expect(t.store.authenticateApiKey(key.key)).toMatchObject({ email: "mia@acme.com" });
  });

  it("a removed user's credential loses its authority at once", () => {
    const adam = user("adam@acme.com", "admin", "acme");
    t.store.removeMember(SYSTEM, "acme", "adam@acme.com");
    expect(codeOf(() => t.store.removeMember(adam, "acme", "mia@acme.com"))).toBe("forbidden");
    expect(codeOf(() => t.store.listMembers(adam, "acme"))).toBe("forbidden");
  });
});
