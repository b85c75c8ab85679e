import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiHarness } from "./harness.js";
import { call, errorCode, keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

const ORG = "acme";
const OWNER = "alice@acme.com";
const ADMIN = "bob@acme.com";

let api: ApiHarness;
let owner: string;
let admin: string;

beforeEach(async () => {
  api = await startApi();
  await seedOrg(api.store, ORG, OWNER, [{ email: ADMIN, role: "admin" }]);
  owner = keyFor(api.store, ORG, OWNER);
  admin = keyFor(api.store, ORG, ADMIN);
});

afterEach(async () => {
  await api.close();
});

describe("GET /v1/me", () => {
  it("says who the caller is and what its role may do", async () => {
    const me = await call(api.url, "GET", "/v1/me", { key: admin });
    expect(me.body).toMatchObject({
      kind: "user",
      org: ORG,
      email: ADMIN,
      role: "admin",
      capabilities: { actorRole: "admin", identity: ADMIN },
    });
    const mine = await call(api.url, "GET", "/v1/me", { key: owner });
    expect(mine.body).toMatchObject({
      role: "owner",
      capabilities: { actorRole: "owner", identity: OWNER },
    });
  });
});

describe("lists", () => {
  it("pages members by email with next_cursor, 200 at most a page", async () => {
    const emails = Array.from(
      { length: 450 },
      (_, i) => `user${String(i).padStart(3, "0")}@acme.com`,
    );
    for (const email of emails) {
      await api.store.invite(SYSTEM, ORG, email, "member");
      api.store.acceptInvitationByEmail(SYSTEM, ORG, email);
    }
    const seen: string[] = [];
    let cursor: string | null = "";
    let pages = 0;
    while (cursor !== null) {
      const query: string = cursor === "" ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await call(api.url, "GET", `/v1/orgs/${ORG}/members?limit=200${query}`, {
        key: admin,
      });
      expect(page.status).toBe(200);
      const body = page.body as { items: { email: string }[]; next_cursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(200);
      seen.push(...body.items.map((m) => m.email));
      cursor = body.next_cursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...emails, OWNER, ADMIN].sort());

    for (const bad of ["limit=201", "limit=0", "limit=abc", "cursor=%%%"]) {
      const answer = await call(api.url, "GET", `/v1/orgs/${ORG}/members?${bad}`, { key: admin });
      expect({ bad, status: answer.status }).toEqual({ bad, status: 422 });
    }
  });

  it("lists audit events newest first, with the reason and revision a client sent", async () => {
    await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: owner,
      body: { email: "carol@acme.com", role: "member" },
      headers: {
        "x-roster-reason": encodeURIComponent("declared in members/carol.yaml"),
        "x-roster-revision": "abc123",
        "x-roster-actor": "roster%40ci",
      },
    });
    const audit = await call(api.url, "GET", `/v1/orgs/${ORG}/audit?limit=2`, { key: admin });
    const body = audit.body as { items: Record<string, unknown>[]; next_cursor: string | null };
    expect(body.items[0]).toMatchObject({
      action: "invite",
      actor: `user:${OWNER}`,
      target: "carol@acme.com",
      reason: "declared in members/carol.yaml (via roster@ci)",
      revision: "abc123",
    });
    expect(body.next_cursor).not.toBeNull();
  });
});

describe("invitations", () => {
  it("invites (token only by mail), answers noop to the same invite, and accepts by token", async () => {
    const first = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: admin,
      body: { email: "Carol@Acme.com", role: "member" },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      outcome: "applied",
      replayed: false,
      invitation: { email: "carol@acme.com", role: "member", status: "pending" },
      delivery: { sent: true },
    });
    const token = api.mailer.tokenFor("carol@acme.com");
    expect(JSON.stringify(first.body)).not.toContain(token);

    const again = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: admin,
      body: { email: "carol@acme.com", role: "member" },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: "noop" });
    expect(api.mailer.to("carol@acme.com")).toHaveLength(1);

    const accepted = await call(api.url, "POST", "/v1/invitations/accept", { body: { token } });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ outcome: "applied", org: ORG, email: "carol@acme.com" });
    const reused = await call(api.url, "POST", "/v1/invitations/accept", { body: { token } });
    expect(reused.status).toBe(410);
    const unknown = await call(api.url, "POST", `/v1/invitations/accept?token=ri_nope`);
    expect(unknown.status).toBe(404);
    expect(api.store.snapshot(ORG)?.members.map((m) => m.email)).toContain("carol@acme.com");
  });

  it("resends with a new token and cancels; a missing invitation is 404 / noop", async () => {
    await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: owner,
      body: { email: "dan@acme.com", role: "admin" },
    });
    const resent = await call(
      api.url,
      "POST",
      `/v1/orgs/${ORG}/invitations/dan%40acme.com/resend`,
      {
        key: owner,
      },
    );
    expect(resent.status).toBe(200);
    const mails = api.mailer.to("dan@acme.com");
    expect(mails).toHaveLength(2);
    expect(mails[0]?.acceptUrl).not.toBe(mails[1]?.acceptUrl);
    const cancelled = await call(api.url, "DELETE", `/v1/orgs/${ORG}/invitations/dan%40acme.com`, {
      key: owner,
    });
    expect(cancelled.body).toMatchObject({ outcome: "applied" });
    const twice = await call(api.url, "DELETE", `/v1/orgs/${ORG}/invitations/dan%40acme.com`, {
      key: owner,
    });
    expect(twice.body).toMatchObject({ outcome: "noop" });
    const missing = await call(
      api.url,
      "POST",
      `/v1/orgs/${ORG}/invitations/dan%40acme.com/resend`,
      {
        key: owner,
      },
    );
    expect(missing.status).toBe(404);
  });
});

describe("members", () => {
  it("changes a role in one update, refuses a stale `from` with 409, transfers, removes", async () => {
    await seedOrg(api.store, "other", "x@other.com");
    await api.store.invite(SYSTEM, ORG, "carol@acme.com", "member");
    api.store.acceptInvitationByEmail(SYSTEM, ORG, "carol@acme.com");

    const stale = await call(api.url, "PATCH", `/v1/orgs/${ORG}/members/carol%40acme.com`, {
      key: owner,
      body: { role: "member", from: "admin" },
    });
    expect(stale.body).toMatchObject({ outcome: "noop" });
    const conflict = await call(api.url, "PATCH", `/v1/orgs/${ORG}/members/${ADMIN}`, {
      key: owner,
      body: { role: "member", from: "member" },
    });
    expect(conflict.status).toBe(409);
    expect(errorCode(conflict)).toBe("conflict");

    const promoted = await call(api.url, "PATCH", `/v1/orgs/${ORG}/members/carol%40acme.com`, {
      key: owner,
      body: { role: "admin", from: "member" },
    });
    expect(promoted.body).toMatchObject({ outcome: "applied" });

    const toOwner = await call(api.url, "PATCH", `/v1/orgs/${ORG}/members/${ADMIN}`, {
      key: owner,
      body: { role: "owner" },
    });
    expect(toOwner.status).toBe(422);

    const transfer = await call(api.url, "POST", `/v1/orgs/${ORG}/transfer`, {
      key: owner,
      body: { to: ADMIN, from: OWNER },
    });
    expect(transfer.body).toMatchObject({ outcome: "applied" });
    const roles = Object.fromEntries(
      api.store.snapshot(ORG)?.members.map((m) => [m.email, m.role]) ?? [],
    );
    expect(roles).toEqual({ [OWNER]: "admin", [ADMIN]: "owner", "carol@acme.com": "admin" });

    const removeOwner = await call(api.url, "DELETE", `/v1/orgs/${ORG}/members/${ADMIN}`, {
      key: admin,
    });
    expect(removeOwner.status).toBe(409);
    const removed = await call(api.url, "DELETE", `/v1/orgs/${ORG}/members/carol%40acme.com`, {
      key: admin,
    });
    expect(removed.body).toMatchObject({ outcome: "applied", sessionsRevoked: 0 });
  });

  it("merges a settings PATCH into the current settings", async () => {
    const answer = await call(api.url, "PATCH", `/v1/orgs/${ORG}`, {
      key: owner,
      body: { settings: { domains: ["Acme.com"], autoProvisioning: { enabled: true } } },
    });
    expect(answer.body).toMatchObject({ outcome: "applied" });
    const org = await call(api.url, "GET", `/v1/orgs/${ORG}`, { key: admin });
    expect(org.body).toMatchObject({
      name: ORG,
      owner: OWNER,
      settings: {
        displayName: ORG,
        domains: ["acme.com"],
        autoProvisioning: { enabled: true, role: "member" },
      },
    });
  });
});
