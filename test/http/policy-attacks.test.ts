import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiHarness } from "./harness.js";
import { SYSTEM, call, errorCode, keyFor, seedOrg, startApi } from "./harness.js";

// Attacks on the Portal API by a lower-authority caller, over real HTTP with real API keys
// (issue 13, bypasses 3–5 and the key and idempotency holes). Each is refused with its rule,
// and the store is left as it was.
const ORG = "acme";
const OWNER = "alice@acme.com";
const ADMIN = "bob@acme.com";
const ADMIN2 = "erin@acme.com";
const MEMBER = "carol@acme.com";

let api: ApiHarness;
let owner: string;
let admin: string;

beforeEach(async () => {
  api = await startApi();
  await seedOrg(api.store, ORG, OWNER, [
    { email: ADMIN, role: "admin" },
    { email: ADMIN2, role: "admin" },
    { email: MEMBER, role: "member" },
  ]);
  owner = keyFor(api.store, ORG, OWNER);
  admin = keyFor(api.store, ORG, ADMIN);
});

afterEach(async () => {
  await api.close();
});

const message = (a: { body: unknown }) =>
  (a.body as { error?: { message?: string } }).error?.message ?? "";

const patch = (key: string, settings: unknown) =>
  call(api.url, "PATCH", `/v1/orgs/${ORG}`, { key, body: { settings } });

const invite = (key: string, email: string, role: string) =>
  call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, { key, body: { email, role } });

describe("bypass 3: admins may not create admins through settings", () => {
  it("auto-provisioning as admin and domains are the owner's; nothing changes", async () => {
    const before = api.store.snapshot(ORG)?.settings;
    const asAdmin = await patch(admin, { autoProvisioning: { enabled: true, role: "admin" } });
    expect(asAdmin.status).toBe(403);
    expect(message(asAdmin)).toMatch(/may not auto-provision users as admin: R4: /);
    const domains = await patch(admin, { domains: ["gmail.com"] });
    expect(domains.status).toBe(403);
    expect(message(domains)).toMatch(/may not change domains: owner-settings: /);
    expect(api.store.snapshot(ORG)?.settings).toEqual(before);
    // What an admin may change: the display name, the expiry, auto-provisioning as member.
    const fine = await patch(admin, {
      displayName: "Acme",
      inviteExpirySeconds: 3600,
      autoProvisioning: { enabled: true, role: "member" },
    });
    expect(fine.status).toBe(200);
    expect((await patch(owner, { domains: ["acme.com"] })).status).toBe(200);
    // The next sign-in from the domain joins as member, not admin.
    expect(api.store.signIn("zed@acme.com").joined).toEqual([
      { org: ORG, role: "member", via: "auto-provisioning" },
    ]);
  });

  it("one domain, one organization: another tenant's domain is a 409", async () => {
    await seedOrg(api.store, "globex", "gina@globex.com");
    const globex = keyFor(api.store, "globex", "gina@globex.com");
    expect((await patch(owner, { domains: ["acme.com"] })).status).toBe(200);
    const steal = await call(api.url, "PATCH", "/v1/orgs/globex", {
      key: globex,
      body: { settings: { domains: ["acme.com"], autoProvisioning: { enabled: true } } },
    });
    expect(steal.status).toBe(409);
    expect(message(steal)).toMatch(/a domain belongs to at most one organization/);
    expect(api.store.snapshot("globex")?.settings.domains).toEqual([]);
  });
});

describe("bypass 4: admins may not create admins by invitation", () => {
  it("an invitation as admin is the owner's, however it is attempted", async () => {
    const direct = await invite(admin, "boss@acme.com", "admin");
    expect(direct.status).toBe(403);
    expect(message(direct)).toMatch(/may not invite users as admin: R4: /);
    // Remove a member, then re-invite them as admin.
    const removed = await call(api.url, "DELETE", `/v1/orgs/${ORG}/members/${MEMBER}`, {
      key: admin,
    });
    expect(removed.status).toBe(200);
    expect((await invite(admin, MEMBER, "admin")).status).toBe(403);
    // Upgrade a pending member invitation; resend the owner's admin invitation.
    expect((await invite(admin, "new@acme.com", "member")).status).toBe(201);
    expect((await invite(admin, "new@acme.com", "admin")).status).toBe(403);
    expect((await invite(owner, "vip@acme.com", "admin")).status).toBe(201);
    const resend = await call(
      api.url,
      "POST",
      `/v1/orgs/${ORG}/invitations/vip%40acme.com/resend`,
      { key: admin, body: {} },
    );
    expect(resend.status).toBe(403);
    const pending = api.store.snapshot(ORG)?.invitations.map((i) => [i.email, i.role]);
    expect(pending).toEqual([
      ["new@acme.com", "member"],
      ["vip@acme.com", "admin"],
    ]);
  });
});

describe("bypass 5: invitations do not outlive their inviter's authority", () => {
  it("removing or demoting the inviter cancels their pending invitations, with an audit event", async () => {
    expect((await invite(admin, "x@acme.com", "member")).status).toBe(201);
    const erin = keyFor(api.store, ORG, ADMIN2);
    expect((await invite(erin, "y@acme.com", "member")).status).toBe(201);
    expect((await invite(owner, "z@acme.com", "member")).status).toBe(201);
    const tokenX = api.mailer.tokenFor("x@acme.com");

    const removal = await call(api.url, "DELETE", `/v1/orgs/${ORG}/members/${ADMIN}`, {
      key: owner,
    });
    expect(removal.status).toBe(200);
    const demotion = await call(api.url, "PATCH", `/v1/orgs/${ORG}/members/${ADMIN2}`, {
      key: owner,
      body: { role: "member" },
    });
    expect(demotion.status).toBe(200);

    expect(api.store.snapshot(ORG)?.invitations.map((i) => i.email)).toEqual(["z@acme.com"]);
    const accept = await call(api.url, "POST", "/v1/invitations/accept", {
      body: { token: tokenX },
    });
    expect(accept.status).toBe(410);
    expect(api.store.snapshot(ORG)?.members.some((m) => m.email === "x@acme.com")).toBe(false);
    const cancels = api.store
      .listAudit(SYSTEM, ORG)
      .items.filter((e) => e.action === "cancelInvite")
      .map((e) => [e.target, (e.after as { why: string }).why]);
    expect(cancels).toEqual([
      ["y@acme.com", `its inviter ${ADMIN2} was demoted from admin`],
      ["x@acme.com", `its inviter ${ADMIN} was removed from the organization`],
    ]);
  });
});

describe("API keys are revoked only by their holder or the owner", () => {
  it("an admin may not lock out the owner or another admin", async () => {
    const ownerKey = api.store.createApiKey(SYSTEM, ORG, OWNER);
    const erinKey = api.store.createApiKey(SYSTEM, ORG, ADMIN2);
    const mine = api.store.createApiKey(SYSTEM, ORG, ADMIN);
    const revoke = (key: string, id: number) =>
      call(api.url, "DELETE", `/v1/orgs/${ORG}/api-keys/${id}`, { key });
    for (const id of [ownerKey.id, erinKey.id]) {
      const answer = await revoke(admin, id);
      expect(answer.status).toBe(403);
      expect(message(answer)).toMatch(/key-revoke: an API key is revoked only by its holder/);
    }
    expect(api.store.authenticateApiKey(ownerKey.key)).not.toBeNull();
    expect((await revoke(admin, mine.id)).status).toBe(200);
    expect((await revoke(owner, erinKey.id)).status).toBe(200);
    expect(api.store.authenticateApiKey(erinKey.key)).toBeNull();
  });
});

describe("an Idempotency-Key replay keeps the organization scope", () => {
  it("replaying a key against another organization is 403 whether it exists or not", async () => {
    const headers = { "idempotency-key": "k-1" };
    const first = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: admin,
      body: { email: "q@acme.com", role: "member" },
      headers,
    });
    expect(first.status).toBe(201);
    await seedOrg(api.store, "globex", "gina@globex.com");
    const answers = [];
    for (const org of ["globex", "does-not-exist"]) {
      answers.push(
        await call(api.url, "POST", `/v1/orgs/${org}/invitations`, {
          key: admin,
          body: { email: "q@acme.com", role: "member" },
          headers,
        }),
      );
    }
    expect(answers.map((a) => [a.status, errorCode(a)])).toEqual([
      [403, "forbidden"],
      [403, "forbidden"],
    ]);
  });
});
