import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ROUTES } from "../../controller/server/portal-api/route-table.js";
import type { ApiHarness } from "./harness.js";
import { call, errorCode, keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

const ORG = "acme";
const OWNER = "alice@acme.com";
const ADMIN = "bob@acme.com";
const MEMBER = "carol@acme.com";
const OTHER = "dave@acme.com";

let api: ApiHarness;
let keys: { owner: string; admin: string; member: string };

beforeEach(async () => {
  api = await startApi();
  await seedOrg(api.store, ORG, OWNER, [
    { email: ADMIN, role: "admin" },
    { email: MEMBER, role: "member" },
    { email: OTHER, role: "member" },
  ]);
  await api.store.invite(SYSTEM, ORG, "erin@acme.com", "member");
  keys = {
    owner: keyFor(api.store, ORG, OWNER),
    admin: keyFor(api.store, ORG, ADMIN),
    member: keyFor(api.store, ORG, MEMBER),
  };
});

afterEach(async () => {
  await api.close();
});

/** Everything a request could change, to prove a refused one changed nothing. */
function state() {
  return {
    snapshot: api.store.snapshot(ORG),
    keys: api.store.listApiKeys(SYSTEM, ORG),
    audit: api.store.listAudit(SYSTEM, ORG, { limit: 200 }).items.length,
  };
}

describe("authentication", () => {
  it("answers 401 with the error shape for a missing, malformed, unknown or revoked key", async () => {
    const missing = await call(api.url, "GET", "/v1/me");
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(missing.body).toEqual({
      error: { code: "unauthenticated", message: expect.any(String) as string },
    });

    const basic = await call(api.url, "GET", "/v1/me", {
      headers: { authorization: "Basic eDp5" },
    });
    expect(basic.status).toBe(401);

    const unknown = await call(api.url, "GET", "/v1/me", { key: `rk_${"A".repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(errorCode(unknown)).toBe("unauthenticated");

    const mine = await call(api.url, "GET", "/v1/me", { key: keys.admin });
    expect(mine.status).toBe(200);
    const keyId = (mine.body as { keyId: number }).keyId;
    const revoked = await call(api.url, "DELETE", `/v1/orgs/${ORG}/api-keys/${keyId}`, {
      key: keys.owner,
    });
    expect(revoked.status).toBe(200);
    expect((await call(api.url, "GET", "/v1/me", { key: keys.admin })).status).toBe(401);
  });

  it("never echoes the key in an answer", async () => {
    const bogus = `rk_${"S3cr3t".repeat(7)}`;
    const answer = await call(api.url, "GET", `/v1/orgs/${ORG}`, { key: bogus });
    expect(JSON.stringify(answer.body)).not.toContain("S3cr3t");
  });

  it("locks a removed user's key out on the very next request (R6)", async () => {
    expect((await call(api.url, "GET", "/v1/me", { key: keys.admin })).status).toBe(200);
    const removed = await call(api.url, "DELETE", `/v1/orgs/${ORG}/members/${ADMIN}`, {
      key: keys.owner,
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ outcome: "applied", apiKeysRevoked: 1 });
    const after = await call(api.url, "GET", "/v1/me", { key: keys.admin });
    expect(after.status).toBe(401);
    const invite = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: keys.admin,
      body: { email: "mallory@acme.com", role: "admin" },
    });
    expect(invite.status).toBe(401);
    expect(api.store.snapshot(ORG)?.invitations.map((i) => i.email)).not.toContain(
      "mallory@acme.com",
    );
  });

  it("applies a demotion at once: the same key loses team management", async () => {
    const demoted = await call(api.url, "PATCH", `/v1/orgs/${ORG}/members/${ADMIN}`, {
      key: keys.owner,
      body: { role: "member" },
    });
    expect(demoted.status).toBe(200);
    const invite = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: keys.admin,
      body: { email: "x@acme.com", role: "member" },
    });
    expect(invite.status).toBe(403);
  });
});

describe("authorization (R3, R4, R5, R9)", () => {
  /** A request for each route with every path parameter filled in. */
  function pathOf(template: string, id: number): string {
    return template
      .replace("{org}", ORG)
      .replace("{email}", encodeURIComponent(OTHER))
      .replace("{id}", String(id));
  }

  const BODIES: Record<string, unknown> = {
    updateOrganization: { settings: { displayName: "Pwned" } },
    changeRole: { role: "admin" },
    transferOwnership: { to: OTHER },
    invite: { email: "new@acme.com", role: "member" },
    createOrganization: { name: "evil", owner: MEMBER, settings: {} },
  };

  it("gives a member's key 403 on every management route, and changes nothing", async () => {
    const adminKeyId = api.store.listApiKeys(SYSTEM, ORG).find((k) => k.email === ADMIN)?.id;
    const management = ROUTES.filter((r) => r.requires !== "none" && r.requires !== "member");
    expect(management.length).toBeGreaterThanOrEqual(11);
    const before = state();
    for (const route of management) {
      const answer = await call(api.url, route.method, pathOf(route.path, adminKeyId ?? 0), {
        key: keys.member,
        body: route.write ? (BODIES[route.operationId] ?? {}) : undefined,
      });
      expect({ route: route.operationId, status: answer.status }).toEqual({
        route: route.operationId,
        status: 403,
      });
      expect(errorCode(answer)).toBe("forbidden");
    }
    // Revoking someone else's key is team management too (the store decides: not by route).
    const other = await call(
      api.url,
      "DELETE",
      pathOf(`/v1/orgs/{org}/api-keys/{id}`, adminKeyId ?? 0),
      {
        key: keys.member,
      },
    );
    expect(other.status).toBe(403);
    expect(state()).toEqual(before);
  });

  it("lets a member read what members may read", async () => {
    for (const route of ["/v1/me", "/v1/orgs", `/v1/orgs/${ORG}`, `/v1/orgs/${ORG}/members`]) {
      expect((await call(api.url, "GET", route, { key: keys.member })).status).toBe(200);
    }
  });

  it("gives an admin's key 403 on promote-to-admin (R4) and transfer (R5), 2xx on R3 work", async () => {
    const before = state();
    const promote = await call(api.url, "PATCH", `/v1/orgs/${ORG}/members/${MEMBER}`, {
      key: keys.admin,
      body: { role: "admin", from: "member" },
    });
    expect(promote.status).toBe(403);
    expect((promote.body as { error: { message: string } }).error.message).toMatch(/R4/);
    const transfer = await call(api.url, "POST", `/v1/orgs/${ORG}/transfer`, {
      key: keys.admin,
      body: { to: ADMIN },
    });
    expect(transfer.status).toBe(403);
    expect(state()).toEqual(before);

    const invite = await call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: keys.admin,
      body: { email: "frank@acme.com", role: "member" },
    });
    expect(invite.status).toBe(201);
    const promoteByOwner = await call(api.url, "PATCH", `/v1/orgs/${ORG}/members/${MEMBER}`, {
      key: keys.owner,
      body: { role: "admin" },
    });
    expect(promoteByOwner.status).toBe(200);
  });

  it("refuses a key on another organization's routes, whether that one exists or not", async () => {
    await seedOrg(api.store, "globex", "gina@globex.com");
    for (const org of ["globex", "no-such-org"]) {
      const answer = await call(api.url, "GET", `/v1/orgs/${org}/members`, { key: keys.owner });
      expect(answer.status).toBe(403);
    }
    const created = await call(api.url, "POST", "/v1/orgs", {
      key: keys.owner,
      body: { name: "evil", owner: OWNER, settings: {} },
    });
    expect(created.status).toBe(403);
    expect(api.store.listOrganizations(SYSTEM).map((o) => o.name)).toEqual(["acme", "globex"]);
  });
});
