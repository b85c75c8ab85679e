import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HttpBackendOptions } from "../../controller/adapters/backends/http/backend.js";
import { HttpBackend } from "../../controller/adapters/backends/http/backend.js";
import type { WriteContext } from "../../controller/model/index.js";
import { BackendError, defaultOrgSettings } from "../../controller/model/index.js";
import { FaultProxy } from "../fakes/fault-proxy.js";
import type { ApiHarness } from "./harness.js";
import { keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

const ORG = "acme";
const OWNER = "alice@acme.com";
const ADMIN = "bob@acme.com";
const MEMBER = "carol@acme.com";
const BOOTSTRAP = "b".repeat(40);

let api: ApiHarness;
let proxy: FaultProxy;
let delays: number[];

function ctx(key: string): WriteContext {
  return { revision: "rev1", reason: "test", actor: "roster@test", idempotencyKey: key };
}

function backend(token: string, options: Partial<HttpBackendOptions> = {}): HttpBackend {
  return new HttpBackend({
    baseUrl: proxy.url,
    token,
    retry: { sleep: (ms) => (delays.push(ms), Promise.resolve()), random: () => 0.5 },
    ...options,
  });
}

beforeEach(async () => {
  api = await startApi({ bootstrapToken: BOOTSTRAP });
  await seedOrg(api.store, ORG, OWNER, [
    { email: ADMIN, role: "admin" },
    { email: MEMBER, role: "member" },
  ]);
  proxy = await FaultProxy.start(api.url);
  delays = [];
});

afterEach(async () => {
  await proxy.close();
  await api.close();
});

describe("reads", () => {
  it("snapshots exactly what the store holds, page by page", async () => {
    for (let i = 0; i < 30; i++) {
      const email = `m${String(i).padStart(2, "0")}@acme.com`;
      await api.store.invite(SYSTEM, ORG, email, i % 2 ? "admin" : "member");
      if (i < 25) api.store.acceptInvitationByEmail(SYSTEM, ORG, email);
    }
    const http = backend(keyFor(api.store, ORG, OWNER), { pageSize: 7 });
    const snapshot = await http.snapshot(ORG);
    expect(snapshot).toEqual(api.store.snapshot(ORG));
    // 28 members in pages of 7 → 4 calls (a full last page has no next_cursor); 5 invites → 1.
    expect(proxy.count("GET", `/v1/orgs/${ORG}/members`)).toBe(4);
    expect(proxy.count("GET", `/v1/orgs/${ORG}/invitations`)).toBe(1);
    expect(await http.listOrganizations()).toEqual([ORG]);
    // A key is scoped to its organization; the bootstrap token sees what does not exist.
    await expect(http.snapshot("nope")).rejects.toMatchObject({ code: "forbidden" });
    expect(await backend(BOOTSTRAP).snapshot("nope")).toBeNull();
  });

  it("reads capabilities from GET /v1/me: R4/R5 only for the owner, nothing in another org", async () => {
    const owner = await backend(keyFor(api.store, ORG, OWNER)).capabilities(ORG);
    const admin = await backend(keyFor(api.store, ORG, ADMIN)).capabilities(ORG);
    const member = await backend(keyFor(api.store, ORG, MEMBER)).capabilities(ORG);
    // The credential knows itself: its role and its own email (the planner orders by it).
    expect(owner).toEqual({ actorRole: "owner", identity: OWNER });
    expect(admin).toEqual({ actorRole: "admin", identity: ADMIN });
    expect(member).toEqual({ actorRole: "member", identity: MEMBER });
    const elsewhere = await backend(keyFor(api.store, ORG, OWNER)).capabilities("globex");
    expect(elsewhere).toEqual({ actorRole: "none", identity: OWNER });
    const system = await backend(BOOTSTRAP).capabilities("anything");
    expect(system).toEqual({ actorRole: "system" });
  });
});

describe("writes", () => {
  it("maps every IdentityBackend write to the API and its outcome", async () => {
    const http = backend(keyFor(api.store, ORG, OWNER));
    expect(await http.invite(ORG, "dan@acme.com", "member", ctx("1"))).toBe("applied");
    expect(await http.invite(ORG, "dan@acme.com", "member", ctx("2"))).toBe("noop");
    expect(await http.resendInvite(ORG, "dan@acme.com", ctx("3"))).toBe("applied");
    expect(await http.cancelInvite(ORG, "dan@acme.com", ctx("4"))).toBe("applied");
    expect(await http.cancelInvite(ORG, "dan@acme.com", ctx("5"))).toBe("noop");
    expect(await http.changeRole(ORG, MEMBER, "member", "admin", ctx("6"))).toBe("applied");
    expect(await http.transferOwnership(ORG, OWNER, MEMBER, ctx("7"))).toBe("applied");
    expect(await http.remove(ORG, ADMIN, ctx("8"))).toBe("applied");
    expect(await http.remove(ORG, ADMIN, ctx("9"))).toBe("noop");
    // A 404 on a delete is the state we wanted (the organization is gone, too).
    expect(await backend(BOOTSTRAP).remove("gone-org", ADMIN, ctx("10"))).toBe("noop");
    expect(await backend(BOOTSTRAP).cancelInvite("gone-org", ADMIN, ctx("10b"))).toBe("noop");
    const settings = { ...defaultOrgSettings(ORG), displayName: "Acme Inc." };
    // The owner changed: the old owner's key still works, now as admin.
    expect(await http.updateOrganization(ORG, settings, ctx("11"))).toBe("applied");
    const roles = Object.fromEntries(
      api.store.snapshot(ORG)?.members.map((m) => [m.email, m.role]) ?? [],
    );
    expect(roles).toEqual({ [OWNER]: "admin", [MEMBER]: "owner" });
    expect(api.store.organization(SYSTEM, ORG)?.settings.displayName).toBe("Acme Inc.");
    // Audit events carry the step's reason, actor and revision.
    const event = api.store.listAudit(SYSTEM, ORG, { limit: 1 }).items[0];
    expect(event).toMatchObject({ reason: "test (via roster@test)", revision: "rev1" });
  });

  it("creates organizations only with the bootstrap token", async () => {
    const settings = defaultOrgSettings("globex");
    const owner = backend(keyFor(api.store, ORG, OWNER));
    const refused = await owner
      .createOrganization("globex", settings, "gina@globex.com", ctx("a"))
      .catch((e: BackendError) => e);
    expect(refused).toBeInstanceOf(BackendError);
    expect(refused).toMatchObject({ code: "forbidden", transient: false });
    const system = backend(BOOTSTRAP);
    expect(await system.createOrganization("globex", settings, "gina@globex.com", ctx("b"))).toBe(
      "applied",
    );
    expect(api.store.snapshot("globex")?.members).toMatchObject([
      { email: "gina@globex.com", role: "owner" },
    ]);
  });

  it("turns 403 and 409 into non-transient errors, without retrying and without the token", async () => {
    const token = keyFor(api.store, ORG, ADMIN);
    const http = backend(token);
    const forbidden = await http
      .transferOwnership(ORG, OWNER, MEMBER, ctx("t"))
      .catch((e: BackendError) => e);
    expect(forbidden).toMatchObject({ code: "forbidden", transient: false });
    expect((forbidden as Error).message).toMatch(/POST \/v1\/orgs\/acme\/transfer: HTTP 403: .*R5/);
    const conflict = await http.remove(ORG, OWNER, ctx("c")).catch((e: BackendError) => e);
    expect(conflict).toMatchObject({ code: "conflict", transient: false });
    expect(proxy.count("POST")).toBe(1);
    expect(proxy.count("DELETE")).toBe(1);
    for (const error of [forbidden, conflict]) expect(String(error)).not.toContain(token);
    const unauthenticated = await backend("rk_wrong")
      .snapshot(ORG)
      .catch((e: BackendError) => e);
    expect(unauthenticated).toMatchObject({ code: "unauthenticated", transient: false });
  });

  it("refuses a URL that carries credentials or is not http(s)", () => {
    expect(() => new HttpBackend({ baseUrl: "http://u:p@127.0.0.1:1", token: "t" })).toThrow(
      /credentials do not belong in the backend URL/,
    );
    expect(() => new HttpBackend({ baseUrl: "ftp://127.0.0.1", token: "t" })).toThrow(/http\(s\)/);
    expect(new HttpBackend({ baseUrl: "http://127.0.0.1:8080/portal/", token: "t" }).describe).toBe(
      "http://127.0.0.1:8080/portal",
    );
  });
});

describe("retries", () => {
  it("retries 503 and 429, waiting at least Retry-After, with backoff otherwise", async () => {
    proxy.add({
      method: "GET",
      path: "/v1/me",
      nth: [1, 2],
      action: { kind: "status", status: 503 },
    });
    proxy.add({
      method: "GET",
      path: "/v1/me",
      nth: 3,
      action: { kind: "status", status: 429, retryAfter: "2" },
    });
    const caps = await backend(keyFor(api.store, ORG, OWNER)).capabilities(ORG);
    expect(caps.actorRole).toBe("owner");
    expect(proxy.count("GET", "/v1/me")).toBe(4);
    // Full jitter with random 0.5: 50 ms, then 100 ms; then the server's 2 s floor.
    expect(delays).toEqual([50, 100, 2000]);
  });

  it("gives up after maxAttempts with a transient error, or at once on a Retry-After too long", async () => {
    proxy.add({ method: "GET", path: "/v1/me", action: { kind: "status", status: 500 } });
    const error = await backend(keyFor(api.store, ORG, OWNER), { retry: { maxAttempts: 3 } })
      .capabilities(ORG)
      .catch((e: BackendError) => e);
    expect(error).toMatchObject({ code: "unavailable", transient: true });
    expect(proxy.count("GET", "/v1/me")).toBe(3);

    proxy.clearRules();
    proxy.clearLog();
    proxy.add({ path: "/v1/me", action: { kind: "status", status: 429, retryAfter: "3600" } });
    const limited = await backend(keyFor(api.store, ORG, OWNER))
      .capabilities(ORG)
      .catch((e: BackendError) => e);
    expect(limited).toMatchObject({
      code: "rate-limited",
      transient: true,
      retryAfterSeconds: 3600,
    });
    expect(proxy.count("GET", "/v1/me")).toBe(1);
  });

  it("retries a connection reset and a timeout", async () => {
    proxy.add({ method: "GET", path: "/v1/me", nth: 1, action: { kind: "reset-before" } });
    proxy.add({ method: "GET", path: "/v1/me", nth: 2, action: { kind: "latency", ms: 400 } });
    const caps = await backend(keyFor(api.store, ORG, OWNER), { timeoutMs: 150 }).capabilities(ORG);
    expect(caps.actorRole).toBe("owner");
    expect(proxy.count("GET", "/v1/me")).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it("sends a write once; the executor's retry with the same key replays: one effect, outcome applied", async () => {
    proxy.add({
      method: "POST",
      path: `/v1/orgs/${ORG}/invitations`,
      nth: 1,
      action: { kind: "reset-after-commit" },
    });
    const http = backend(keyFor(api.store, ORG, OWNER));
    const write = { ...ctx("lost-answer"), expect: { absent: true } as const, managed: true };
    await expect(http.invite(ORG, "dan@acme.com", "admin", write)).rejects.toMatchObject({
      transient: true,
    });
    // The client did not retry: the one layer that retries writes is the executor's.
    expect(proxy.upstreamCount("POST", `/v1/orgs/${ORG}/invitations`)).toBe(1);
    expect(delays).toEqual([]);
    // The retry replays although `If-None-Match: *` no longer holds (the invitation exists).
    expect(await http.invite(ORG, "dan@acme.com", "admin", write)).toBe("applied");
    expect(proxy.upstreamCount("POST", `/v1/orgs/${ORG}/invitations`)).toBe(2);
    expect(api.mailer.to("dan@acme.com")).toHaveLength(1);
    const rows = api.store.db
      .prepare("SELECT COUNT(*) AS n FROM invitations WHERE email = 'dan@acme.com'")
      .get() as { n: number };
    expect(rows.n).toBe(1);
  });
});
