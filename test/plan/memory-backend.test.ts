import { describe, expect, it } from "vitest";
import type { WriteContext } from "../../controller/model/index.js";
import { BackendError, defaultOrgSettings } from "../../controller/model/index.js";
import { MemoryBackend } from "../fakes/memory-backend.js";

const NOW = new Date("2026-03-01T00:00:00.000Z");
const ctx = (key = "k"): WriteContext => ({
  revision: "r",
  reason: "test",
  actor: "test",
  idempotencyKey: key,
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
      members: [{ email: "alice@acme.com", role: "owner", since: NOW.toISOString() }],
      invitations: [],
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
    expect(await b.resendInvite("acme", "carol@acme.com", ctx("resend-1"))).toBe("noop");
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
    b.setCapabilities("acme", {
      actorRole: "admin",
      promoteToAdmin: false,
      transferOwnership: false,
    });
    expect(await b.capabilities("acme")).toMatchObject({ actorRole: "admin", invite: true });
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
    await expect(b.invite("acme", "bob@acme.com", "member", ctx())).rejects.toBe(timeout);
    expect((await b.snapshot("acme"))?.invitations).toHaveLength(1);
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
