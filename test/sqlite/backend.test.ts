import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../controller/adapters/backends/sqlite/backend.js";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import { FULL_CAPABILITIES } from "../../controller/model/index.js";
import type { TempStore } from "./helpers.js";
import { SYSTEM, asyncCodeOf, ctx, openTempStore, settings } from "./helpers.js";

let t: TempStore;
let backend: SqliteBackend;
beforeEach(() => {
  t = openTempStore();
  backend = new SqliteBackend(t.store, { describe: `sqlite:${t.file}`, ownsStore: false });
});
afterEach(async () => {
  await backend.close();
  t.cleanup();
});

const auditCount = () => t.rows<{ n: number }>("SELECT count(*) AS n FROM audit_events")[0]!.n;

describe("SqliteBackend: IdentityBackend over the Portal store", () => {
  it("creates an organization whose declared owner is active at once; snapshot is sorted by email", async () => {
    expect(await backend.createOrganization("acme", settings(), "Alice@ACME.com", ctx("c1"))).toBe(
      "applied",
    );
    expect(await backend.createOrganization("acme", settings(), "alice@acme.com", ctx("c2"))).toBe(
      "noop",
    );
    await backend.invite("acme", "zed@acme.com", "member", ctx("i1"));
    await backend.invite("acme", "bob@acme.com", "admin", ctx("i2"));
    t.store.acceptInvitationByEmail(SYSTEM, "acme", "zed@acme.com");
    const snap = await backend.snapshot("acme");
    expect(snap).toEqual({
      name: "acme",
      settings: settings(),
      members: [
        {
          email: "alice@acme.com",
          role: "owner",
          since: "2025-03-01T09:00:00.000Z",
          version: expect.any(String) as string,
          managed: false,
        },
        {
          email: "zed@acme.com",
          role: "member",
          since: "2025-03-01T09:00:00.000Z",
          version: expect.any(String) as string,
          managed: false,
        },
      ],
      invitations: [
        {
          email: "bob@acme.com",
          role: "admin",
          sentAt: "2025-03-01T09:00:00.000Z",
          expiresAt: "2025-03-08T09:00:00.000Z",
          status: "pending",
          version: expect.any(String) as string,
          managed: false,
        },
      ],
      settingsVersion: "0",
    });
    expect(await backend.snapshot("nope")).toBeNull();
    expect(await backend.listOrganizations()).toEqual(["acme"]);
    expect(await backend.capabilities("acme")).toEqual(FULL_CAPABILITIES);
  });

  it("records the revision, reason and actor of every write in the audit", async () => {
    await backend.createOrganization("acme", settings(), "alice@acme.com", {
      revision: "9f8e7d",
      reason: "declared in orgs/acme.yaml",
      actor: "roster@ci",
      idempotencyKey: "k",
    });
    const [event] = t.store.listAudit(SYSTEM, "acme").items;
    expect(event).toMatchObject({
      actor: "system:roster@ci",
      action: "createOrganization",
      revision: "9f8e7d",
      reason: "declared in orgs/acme.yaml",
      after: { owner: "alice@acme.com" },
    });
  });

  it("updateOrganization answers noop when nothing differs, and validates settings", async () => {
    await backend.createOrganization("acme", settings(), "alice@acme.com", ctx("c"));
    expect(await backend.updateOrganization("acme", settings(), ctx("u0"))).toBe("noop");
    const changed = settings({
      domains: ["ACME.com", "acme.io"],
      autoProvisioning: { enabled: true, role: "admin" },
    });
    expect(await backend.updateOrganization("acme", changed, ctx("u1"))).toBe("applied");
    expect((await backend.snapshot("acme"))!.settings).toEqual({
      ...changed,
      domains: ["acme.com", "acme.io"],
    });
    expect(
      await asyncCodeOf(() =>
        backend.updateOrganization("acme", settings({ domains: ["not a domain"] }), ctx("u2")),
      ),
    ).toBe("invalid");
    expect(
      await asyncCodeOf(() =>
        backend.updateOrganization("acme", settings({ inviteExpirySeconds: 0 }), ctx("u3")),
      ),
    ).toBe("invalid");
  });

  it("changeRole with a stale `from` is a conflict, a repeat is a noop; transfer and remove", async () => {
    await backend.createOrganization("acme", settings(), "alice@acme.com", ctx("c"));
    await backend.invite("acme", "bob@acme.com", "member", ctx("i"));
    t.store.acceptInvitationByEmail(SYSTEM, "acme", "bob@acme.com");
    expect(await backend.changeRole("acme", "bob@acme.com", "member", "admin", ctx("r1"))).toBe(
      "applied",
    );
    expect(await backend.changeRole("acme", "bob@acme.com", "member", "admin", ctx("r2"))).toBe(
      "noop",
    );
    expect(
      await asyncCodeOf(() =>
        backend.changeRole("acme", "bob@acme.com", "member", "member", ctx("r3")),
      ),
    ).toBe("conflict");
    expect(
      await backend.transferOwnership("acme", "alice@acme.com", "bob@acme.com", ctx("t1")),
    ).toBe("applied");
    expect(
      await backend.transferOwnership("acme", "alice@acme.com", "bob@acme.com", ctx("t2")),
    ).toBe("noop");
    expect(await backend.remove("acme", "alice@acme.com", ctx("x1"))).toBe("applied");
    expect(await backend.remove("acme", "alice@acme.com", ctx("x2"))).toBe("noop");
    expect((await backend.snapshot("acme"))!.members).toEqual([
      {
        email: "bob@acme.com",
        role: "owner",
        since: expect.any(String) as string,
        version: expect.any(String) as string,
        managed: false,
      },
    ]);
  });

  it("rejects with BackendError (not transient) for writes the rules refuse", async () => {
    await backend.createOrganization("acme", settings(), "alice@acme.com", ctx("c"));
    const refusal = backend.transferOwnership("acme", "alice@acme.com", "ghost@acme.com", ctx("t"));
    await expect(refusal).rejects.toMatchObject({
      name: "BackendError",
      code: "conflict",
      transient: false,
    });
    await expect(backend.invite("nope", "a@b.co", "member", ctx("i"))).rejects.toMatchObject({
      code: "not-found",
    });
    await expect(backend.invite("acme", "not-an-email", "member", ctx("j"))).rejects.toMatchObject({
      code: "invalid",
    });
  });
});

describe("idempotency: a retried write with the same key has no second effect", () => {
  beforeEach(async () => {
    await backend.createOrganization("acme", settings(), "alice@acme.com", ctx("create"));
  });

  it("same key twice: one audit event, the retry answers the first outcome", async () => {
    await backend.invite("acme", "bob@acme.com", "member", ctx("i1"));
    t.store.acceptInvitationByEmail(SYSTEM, "acme", "bob@acme.com");
    const before = auditCount();
    expect(await backend.changeRole("acme", "bob@acme.com", "member", "admin", ctx("same"))).toBe(
      "applied",
    );
    // Someone demotes Bob meanwhile; the retry of the old request must not promote him again.
    t.store.changeRole(SYSTEM, "acme", "bob@acme.com", "member");
    expect(await backend.changeRole("acme", "bob@acme.com", "member", "admin", ctx("same"))).toBe(
      "applied",
    );
    expect(auditCount()).toBe(before + 2);
    expect(t.rows("SELECT role FROM memberships WHERE email = 'bob@acme.com'")).toEqual([
      { role: "member" },
    ]);
  });

  it("invite twice: one invitation, one token, one audit event; even across a re-opened file", async () => {
    expect(await backend.invite("acme", "bob@acme.com", "member", ctx("inv"))).toBe("applied");
    const token = t.rows<{ token_hash: string }>("SELECT token_hash FROM invitations")[0]!
      .token_hash;
    // Simulate a crash after commit: a new process opens the file and retries.
    const reopened = PortalStore.open(t.file, { now: t.clock.now });
    const retry = new SqliteBackend(reopened, { describe: "retry" });
    expect(await retry.invite("acme", "bob@acme.com", "member", ctx("inv"))).toBe("applied");
    await retry.close();
    expect(t.rows("SELECT token_hash FROM invitations")).toEqual([{ token_hash: token }]);
    expect(t.rows("SELECT * FROM audit_events WHERE action = 'invite'")).toHaveLength(1);
    expect(t.rows("SELECT key, outcome FROM idempotency WHERE key = 'inv'")).toEqual([
      { key: "inv", outcome: "applied" },
    ]);
  });

  it("a replay says so, keeps no secret, and a key reused for another request is refused", async () => {
    const first = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member", {
      idempotencyKey: "k",
    });
    expect(first.token).toMatch(/^ri_/);
    const again = await t.store.invite(SYSTEM, "acme", "bob@acme.com", "member", {
      idempotencyKey: "k",
    });
    expect(again).toMatchObject({
      outcome: "noop",
      replayed: true,
      invitation: { email: "bob@acme.com" },
    });
    expect(again.token).toBeUndefined();
    expect(JSON.stringify(t.rows("SELECT * FROM idempotency"))).not.toContain(first.token!);
    await expect(
      t.store.invite(SYSTEM, "acme", "eve@acme.com", "member", { idempotencyKey: "k" }),
    ).rejects.toMatchObject({
      code: "conflict",
    });
  });

  it("a failed write records nothing, so its retry runs for real", async () => {
    await expect(backend.remove("acme", "alice@acme.com", ctx("rm"))).rejects.toMatchObject({
      code: "conflict",
    });
    expect(t.rows("SELECT * FROM idempotency WHERE key = 'rm'")).toHaveLength(0);
  });

  it("keys older than the retention window are pruned when the store opens", async () => {
    await backend.cancelInvite("acme", "nobody@acme.com", ctx("old"));
    expect(t.rows("SELECT * FROM idempotency WHERE key = 'old'")).toHaveLength(1);
    t.clock.advance(31 * 86400);
    PortalStore.open(t.file, { now: t.clock.now }).close();
    expect(t.rows("SELECT * FROM idempotency WHERE key = 'old'")).toHaveLength(0);
  });
});
