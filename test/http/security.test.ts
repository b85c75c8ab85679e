import { describe, expect, it } from "vitest";
import { ROUTES } from "../../controller/server/portal-api/route-table.js";
import { SYSTEM, call, errorCode, seedOrg } from "./harness.js";
import { ORG, OWNER, ADMIN, MEMBER, OTHER, useTeamApi } from "./team-api.js";

const team = useTeamApi();

describe("authentication", () => {
  it("answers 401 with the error shape for a missing, malformed, unknown or revoked key", async () => {
    const missing = await call(team.api.url, "GET", "/v1/me");
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(missing.body).toEqual({
      error: { code: "unauthenticated", message: expect.any(String) as string },
    });

    const basic = await call(team.api.url, "GET", "/v1/me", {
      headers: { authorization: "Basic eDp5" },
    });
    expect(basic.status).toBe(401);

    const unknown = await call(team.api.url, "GET", "/v1/me", { key: `rk_${"A".repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(errorCode(unknown)).toBe("unauthenticated");

    const mine = await call(team.api.url, "GET", "/v1/me", { key: team.keys.admin });
    expect(mine.status).toBe(200);
    const keyId = (mine.body as { keyId: number }).keyId;
    const revoked = await call(team.api.url, "DELETE", `/v1/orgs/${ORG}/api-keys/${keyId}`, {
      key: team.keys.owner,
    });
    expect(revoked.status).toBe(200);
    expect((await call(team.api.url, "GET", "/v1/me", { key: team.keys.admin })).status).toBe(401);
  });

  it("never echoes the key in an answer", async () => {
    const bogus = `rk_${"S3cr3t".repeat(7)}`;
    const answer = await call(team.api.url, "GET", `/v1/orgs/${ORG}`, { key: bogus });
    expect(JSON.stringify(answer.body)).not.toContain("S3cr3t");
  });

  it("locks a removed user's key out on the very next request (R6)", async () => {
    expect((await call(team.api.url, "GET", "/v1/me", { key: team.keys.admin })).status).toBe(200);
    const removed = await call(team.api.url, "DELETE", `/v1/orgs/${ORG}/members/${ADMIN}`, {
      key: team.keys.owner,
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ outcome: "applied", apiKeysRevoked: 1 });
    const after = await call(team.api.url, "GET", "/v1/me", { key: team.keys.admin });
    expect(after.status).toBe(401);
    const invite = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: team.keys.admin,
      body: { email: "mallory@acme.com", role: "admin" },
    });
    expect(invite.status).toBe(401);
    expect(team.api.store.snapshot(ORG)?.invitations.map((i) => i.email)).not.toContain(
      "mallory@acme.com",
    );
  });

  it("applies a demotion at once: the same key loses team management", async () => {
    const demoted = await call(team.api.url, "PATCH", `/v1/orgs/${ORG}/members/${ADMIN}`, {
      key: team.keys.owner,
      body: { role: "member" },
    });
    expect(demoted.status).toBe(200);
    const invite = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: team.keys.admin,
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
    const adminKeyId = team.api.store.listApiKeys(SYSTEM, ORG).find((k) => k.email === ADMIN)?.id;
    const management = ROUTES.filter((r) => r.requires !== "none" && r.requires !== "member");
    expect(management.length).toBeGreaterThanOrEqual(11);
    const before = team.state();
    for (const route of management) {
      const answer = await call(team.api.url, route.method, pathOf(route.path, adminKeyId ?? 0), {
        key: team.keys.member,
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
      team.api.url,
      "DELETE",
      pathOf(`/v1/orgs/{org}/api-keys/{id}`, adminKeyId ?? 0),
      {
        key: team.keys.member,
      },
    );
    expect(other.status).toBe(403);
    expect(team.state()).toEqual(before);
  });

  it("lets a member read what members may read", async () => {
    for (const route of ["/v1/me", "/v1/orgs", `/v1/orgs/${ORG}`, `/v1/orgs/${ORG}/members`]) {
      expect((await call(team.api.url, "GET", route, { key: team.keys.member })).status).toBe(200);
    }
  });

  it("gives an admin's key 403 on promote-to-admin (R4) and transfer (R5), 2xx on R3 work", async () => {
    const before = team.state();
    const promote = await call(team.api.url, "PATCH", `/v1/orgs/${ORG}/members/${MEMBER}`, {
      key: team.keys.admin,
      body: { role: "admin", from: "member" },
    });
    expect(promote.status).toBe(403);
    expect((promote.body as { error: { message: string } }).error.message).toMatch(/R4/);
    const transfer = await call(team.api.url, "POST", `/v1/orgs/${ORG}/transfer`, {
      key: team.keys.admin,
      body: { to: ADMIN },
    });
    expect(transfer.status).toBe(403);
    expect(team.state()).toEqual(before);

    const invite = await call(team.api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key: team.keys.admin,
      body: { email: "frank@acme.com", role: "member" },
    });
    expect(invite.status).toBe(201);
    const promoteByOwner = await call(team.api.url, "PATCH", `/v1/orgs/${ORG}/members/${MEMBER}`, {
      key: team.keys.owner,
      body: { role: "admin" },
    });
    expect(promoteByOwner.status).toBe(200);
  });

  it("refuses a key on another organization's routes, whether that one exists or not", async () => {
    await seedOrg(team.api.store, "globex", "gina@globex.com");
    for (const org of ["globex", "no-such-org"]) {
      const answer = await call(team.api.url, "GET", `/v1/orgs/${org}/members`, {
        key: team.keys.owner,
      });
      expect(answer.status).toBe(403);
    }
    const created = await call(team.api.url, "POST", "/v1/orgs", {
      key: team.keys.owner,
      body: { name: "evil", owner: OWNER, settings: {} },
    });
    expect(created.status).toBe(403);
    expect(team.api.store.listOrganizations(SYSTEM).map((o) => o.name)).toEqual(["acme", "globex"]);
  });
});
