import { describe, expect, it } from "vitest";
import type { WriteContext } from "../../controller/model/index.js";
import {
  BackendError,
  PRECONDITION_FAILED,
  defaultOrgSettings,
} from "../../controller/model/index.js";
import { MemoryBackend } from "../fakes/memory-backend.js";

const NOW = new Date("2026-03-01T00:00:00.000Z");
let keys = 0;
// A fresh key per write, as the executor makes them; a test names one to retry a write.
const ctx = (key = `k${++keys}`, extra: Partial<WriteContext> = {}): WriteContext => ({
  revision: "r",
  reason: "test",
  actor: "test",
  idempotencyKey: key,
  ...extra,
});
const settings = {
  ...defaultOrgSettings("acme"),
  domains: ["acme.com"],
  autoProvisioning: { enabled: true, role: "member" as const },
};

async function withOrg(): Promise<MemoryBackend> {
  const b = new MemoryBackend({ now: () => NOW });
  await b.createOrganization("acme", settings, "Alice@acme.com", ctx("create"));
  return b;
}

describe("MemoryBackend (test fake)", () => {
  it("creates an organization with its owner, idempotently", async () => {
    const b = await withOrg();
    expect(await b.createOrganization("acme", settings, "alice@acme.com", ctx())).toBe("noop");
    expect(await b.listOrganizations()).toEqual(["acme"]);
    expect(await b.snapshot("acme")).toEqual({
      name: "acme",
      settings,
      members: [
        {
          email: "alice@acme.com",
          role: "owner",
          since: NOW.toISOString(),
          version: expect.any(String) as string,
          managed: false,
        },
      ],
      invitations: [],
      settingsVersion: expect.any(String) as string,
    });
    expect(await b.snapshot("nope")).toBeNull();
    expect(b.ownerCountHistory("acme")).toEqual([1]);
  });

  it("invites as an upsert and mails only real changes", async () => {
    const b = await withOrg();
    expect(await b.invite("acme", "bob@acme.com", "member", ctx("1"))).toBe("applied");
    expect(await b.invite("acme", "bob@acme.com", "member", ctx("2"))).toBe("noop");
    expect(await b.invite("acme", "bob@acme.com", "admin", ctx("3"))).toBe("applied");
    expect(b.outbox.map((m) => `${m.kind} ${m.email} ${m.role}`)).toEqual([
      "invite bob@acme.com member",
      "invite bob@acme.com admin",
    ]);
    const snap = await b.snapshot("acme");
    expect(snap?.invitations).toEqual([
      {
        email: "bob@acme.com",
        role: "admin",
        sentAt: NOW.toISOString(),
        expiresAt: new Date(NOW.getTime() + 7 * 86400_000).toISOString(),
        status: "pending",
        version: expect.any(String) as string,
        managed: false,
      },
    ]);
    await expect(b.invite("acme", "alice@acme.com", "admin", ctx())).rejects.toThrow(
      /already a member/,
    );
  });

  it("accepts, expires, resends and cancels invitations", async () => {
    const b = await withOrg();
    await b.invite("acme", "bob@acme.com", "admin", ctx());
    await b.invite("acme", "carol@acme.com", "member", ctx());
    b.acceptInvite("acme", "bob@acme.com");
    b.expireInvite("acme", "carol@acme.com");
    expect(() => b.acceptInvite("acme", "carol@acme.com")).toThrow(/expired/);
    let snap = await b.snapshot("acme");
    expect(snap?.members.map((m) => `${m.email}:${m.role}`)).toEqual([
      "alice@acme.com:owner",
      "bob@acme.com:admin",
    ]);
    expect(snap?.invitations.map((i) => `${i.email}:${i.status}`)).toEqual([
      "carol@acme.com:expired",
    ]);
    expect(await b.resendInvite("acme", "carol@acme.com", ctx("resend-1"))).toBe("applied");
    // A retry of the same request replays its first answer; it sends no second mail.
    expect(await b.resendInvite("acme", "carol@acme.com", ctx("resend-1"))).toBe("applied");
    expect(b.outbox.filter((m) => m.kind === "resend")).toHaveLength(1);
    snap = await b.snapshot("acme");
    expect(snap?.invitations[0]?.status).toBe("pending");
    expect(await b.cancelInvite("acme", "carol@acme.com", ctx())).toBe("applied");
    expect(await b.cancelInvite("acme", "carol@acme.com", ctx())).toBe("noop");
    await expect(b.resendInvite("acme", "carol@acme.com", ctx())).rejects.toMatchObject({
      code: "not-found",
    });
  });

  it("changes roles in one update and checks the expected current role", async () => {
    const b = await withOrg();
    await b.invite("acme", "bob@acme.com", "member", ctx());
    b.acceptInvite("acme", "bob@acme.com");
    expect(await b.changeRole("acme", "bob@acme.com", "member", "admin", ctx())).toBe("applied");
    expect(await b.changeRole("acme", "bob@acme.com", "member", "admin", ctx())).toBe("noop");
    await expect(
      b.changeRole("acme", "bob@acme.com", "owner", "member", ctx()),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(
      b.changeRole("acme", "zed@acme.com", "member", "admin", ctx()),
    ).rejects.toBeInstanceOf(BackendError);
  });

  it("transfers ownership to active members only; the old owner becomes admin", async () => {
    const b = await withOrg();
    await expect(
      b.transferOwnership("acme", "alice@acme.com", "bob@acme.com", ctx()),
    ).rejects.toMatchObject({ code: "precondition" });
    await b.invite("acme", "bob@acme.com", "member", ctx());
    b.acceptInvite("acme", "bob@acme.com");
    expect(await b.transferOwnership("acme", "alice@acme.com", "bob@acme.com", ctx())).toBe(
      "applied",
    );
    expect(await b.transferOwnership("acme", "alice@acme.com", "bob@acme.com", ctx())).toBe("noop");
    const roles = (await b.snapshot("acme"))?.members.map((m) => `${m.email}:${m.role}`);
    expect(roles).toEqual(["alice@acme.com:admin", "bob@acme.com:owner"]);
    expect(b.invariantErrors).toEqual([]);
    expect(b.ownerCountHistory("acme").every((n) => n === 1)).toBe(true);
  });

  it("records every write that leaves 0 or 2+ owners", async () => {
    const b = await withOrg();
    await b.invite("acme", "bob@acme.com", "admin", ctx());
    b.acceptInvite("acme", "bob@acme.com");
    await b.changeRole("acme", "bob@acme.com", "admin", "owner", ctx());
    await b.remove("acme", "alice@acme.com", ctx());
    await b.remove("acme", "bob@acme.com", ctx());
    expect(b.ownerCountHistory("acme")).toEqual([1, 1, 1, 2, 1, 0]);
    expect(b.invariantErrors).toEqual([
      "changeRole bob@acme.com left acme with 2 owners (was 1)",
      "remove bob@acme.com left acme with 0 owners (was 1)",
    ]);
  });

  it("lets a backend that starts broken move towards one owner", async () => {
    const b = new MemoryBackend({ now: () => NOW });
    b.seed({
      name: "g",
      settings,
      members: [
        { email: "a@acme.com", role: "owner", since: NOW.toISOString() },
        { email: "b@acme.com", role: "owner", since: NOW.toISOString() },
        { email: "c@acme.com", role: "owner", since: NOW.toISOString() },
      ],
      invitations: [],
    });
    await b.changeRole("g", "b@acme.com", "owner", "admin", ctx());
    await b.changeRole("g", "c@acme.com", "owner", "member", ctx());
    expect(b.ownerCountHistory("g")).toEqual([3, 2, 1]);
    expect(b.invariantErrors).toEqual([]);
  });

  it("enforces the configured capabilities", async () => {
    const b = await withOrg();
    b.setCapabilities("acme", { actorRole: "admin", identity: "ada@acme.com" });
    expect(await b.capabilities("acme")).toEqual({ actorRole: "admin", identity: "ada@acme.com" });
    await b.invite("acme", "bob@acme.com", "member", ctx());
    b.acceptInvite("acme", "bob@acme.com");
    await expect(
      b.changeRole("acme", "bob@acme.com", "member", "admin", ctx()),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      b.transferOwnership("acme", "alice@acme.com", "bob@acme.com", ctx()),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(b.writes.filter((w) => w.outcome === "failed").map((w) => w.action)).toEqual([
      "changeRole",
      "transferOwnership",
    ]);
  });

  it("injects faults before or after the commit", async () => {
    const b = await withOrg();
    const timeout = new BackendError("timeout", "timed out", { transient: true });
    b.failWhen((c) => c.action === "invite", timeout);
    await expect(b.invite("acme", "bob@acme.com", "member", ctx())).rejects.toBe(timeout);
    expect((await b.snapshot("acme"))?.invitations).toEqual([]);
    b.failWhen((c) => c.action === "invite", timeout, { afterCommit: true });
    const once = ctx("lost-answer", { expect: { absent: true } });
    await expect(b.invite("acme", "bob@acme.com", "member", once)).rejects.toBe(timeout);
    expect((await b.snapshot("acme"))?.invitations).toHaveLength(1);
    // The retry carries the same key: replayed before the (now false) `absent` is checked.
    expect(await b.invite("acme", "bob@acme.com", "member", once)).toBe("applied");
    expect(await b.invite("acme", "bob@acme.com", "member", ctx())).toBe("noop");
    expect(b.outbox).toHaveLength(1);
  });

  it("signs users in: links an invitation, auto-provisions the org's domains (R8)", async () => {
    const b = await withOrg();
    await b.invite("acme", "bob@ext.org", "admin", ctx());
    expect(b.signIn("acme", "bob@ext.org")).toBe("linked");
    expect(b.signIn("acme", "dan@acme.com")).toBe("provisioned");
    expect(b.signIn("acme", "eve@ext.org")).toBe("refused");
    expect(b.signIn("acme", "dan@acme.com")).toBe("member");
    b.setDomainUsers("acme", ["dan@acme.com", "erin@acme.com"]);
    const snap = await b.snapshot("acme");
    expect(snap?.members.find((m) => m.email === "dan@acme.com")).toMatchObject({
      role: "member",
      autoProvisioned: true,
    });
    expect(snap?.domainUsers).toEqual(["dan@acme.com", "erin@acme.com"]);
  });
});

describe("MemoryBackend conditional writes and managed marks (as the Portal store)", () => {
  const at = (version: string, extra: Partial<WriteContext> = {}) =>
    ctx(undefined, { expect: { version }, ...extra });
  const version = async (b: MemoryBackend, email: string) => {
    const snap = (await b.snapshot("acme"))!;
    return [...snap.members, ...snap.invitations].find((r) => r.email === email)!.version!;
  };

  it("a stale version fails every write with precondition-failed and changes nothing", async () => {
    const b = await withOrg();
    await b.invite("acme", "bob@acme.com", "member", ctx());
    b.acceptInvite("acme", "bob@acme.com");
    await b.invite("acme", "carol@acme.com", "member", ctx());
    const snap = (await b.snapshot("acme"))!;
    const bob = await version(b, "bob@acme.com");
    const carol = await version(b, "carol@acme.com");
    // Out of band: the Portal's UI promotes Bob, re-sends Carol's mail, renames the org.
    await b.changeRole("acme", "bob@acme.com", "member", "admin", ctx());
    await b.resendInvite("acme", "carol@acme.com", ctx());
    await b.updateOrganization("acme", { ...settings, displayName: "UI" }, ctx());
    const before = JSON.stringify(await b.snapshot("acme"));
    const stale = [
      () => b.changeRole("acme", "bob@acme.com", "member", "admin", at(bob)),
      () => b.remove("acme", "bob@acme.com", at(bob)),
      () => b.transferOwnership("acme", "alice@acme.com", "bob@acme.com", at(bob)),
      () => b.resendInvite("acme", "carol@acme.com", at(carol)),
      () => b.cancelInvite("acme", "carol@acme.com", at(carol)),
      () => b.invite("acme", "carol@acme.com", "admin", at(carol)),
      () => b.updateOrganization("acme", settings, at(snap.settingsVersion!)),
      () =>
        b.invite("acme", "carol@acme.com", "member", ctx(undefined, { expect: { absent: true } })),
      () =>
        b.createOrganization(
          "acme",
          settings,
          "alice@acme.com",
          ctx(undefined, { expect: { absent: true } }),
        ),
    ];
    for (const call of stale) {
      await expect(call()).rejects.toMatchObject({ code: PRECONDITION_FAILED, transient: false });
    }
    expect(JSON.stringify(await b.snapshot("acme"))).toBe(before);
  });

  it("cancel of an invitation accepted after the snapshot fails with precondition-failed", async () => {
    const b = await withOrg();
    await b.invite("acme", "bob@acme.com", "member", ctx());
    const seen = await version(b, "bob@acme.com");
    b.acceptInvite("acme", "bob@acme.com");
    await expect(b.cancelInvite("acme", "bob@acme.com", at(seen))).rejects.toMatchObject({
      code: PRECONDITION_FAILED,
    });
    // A member already gone is the state asked for.
    const member = await version(b, "bob@acme.com");
    await b.remove("acme", "bob@acme.com", ctx());
    expect(await b.remove("acme", "bob@acme.com", at(member))).toBe("noop");
  });

  it("marks travel like the store's: managed writes set them, plain ones keep them, accepting carries them", async () => {
    const b = await withOrg();
    b.setDomainUsers("acme", undefined);
    await b.invite("acme", "bob@acme.com", "member", ctx(undefined, { managed: true }));
    await b.invite("acme", "bob@acme.com", "admin", ctx()); // the UI re-grades: the mark stays
    b.acceptInvite("acme", "bob@acme.com");
    expect(b.signIn("acme", "dan@acme.com")).toBe("provisioned");
    await b.invite("acme", "carol@acme.com", "member", ctx());
    expect([b.isMarked("acme", "bob@acme.com"), b.isMarked("acme", "dan@acme.com")]).toEqual([
      true,
      false,
    ]);
    await b.markManaged("acme", ["CAROL@acme.com", "dan@acme.com", "ghost@acme.com"], ctx());
    const snap = (await b.snapshot("acme"))!;
    expect(
      Object.fromEntries([...snap.members, ...snap.invitations].map((r) => [r.email, r.managed])),
    ).toEqual({
      "alice@acme.com": false,
      "bob@acme.com": true,
      "carol@acme.com": true,
      "dan@acme.com": true,
    });
    expect(b.writes.some((w) => w.action === "markManaged")).toBe(false);
    b.setCapabilities("acme", { actorRole: "member", identity: "mia@acme.com" });
    await expect(b.markManaged("acme", ["alice@acme.com"], ctx())).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("managedMarks: false plays a backend without marks", async () => {
    const b = new MemoryBackend({ now: () => NOW, managedMarks: false });
    await b.createOrganization(
      "acme",
      settings,
      "alice@acme.com",
      ctx(undefined, { managed: true }),
    );
    await b.markManaged("acme", ["alice@acme.com"], ctx());
    expect(b.managedMarks).toBe(false);
    expect((await b.snapshot("acme"))!.members[0]).not.toHaveProperty("managed");
    expect(b.markCalls).toEqual([]);
  });

  it("the same key for another request is refused, as the store refuses it", async () => {
    const b = await withOrg();
    await b.invite("acme", "bob@acme.com", "member", ctx("dup"));
    await expect(b.invite("acme", "carol@acme.com", "member", ctx("dup"))).rejects.toMatchObject({
      code: "conflict",
    });
  });
});
