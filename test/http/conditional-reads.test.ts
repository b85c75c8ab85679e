import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpBackend } from "../../controller/adapters/backends/http/backend.js";
import type { WriteContext } from "../../controller/model/index.js";
import { PRECONDITION_FAILED } from "../../controller/model/index.js";
import type { Answer, ApiHarness } from "./harness.js";
import { call, errorCode, keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

// RFC 9110 §13.1 on the real server (127.0.0.1, port 0): If-Match on the one read with an ETag,
// and `If-Match: *` on writes ("the record exists, whatever its version").

const ORG = "acme";
const OWNER = "alice@acme.com";
const MEMBER = "carol@acme.com";

let api: ApiHarness;
let key: string;

beforeEach(async () => {
  api = await startApi();
  await seedOrg(api.store, ORG, OWNER, [{ email: MEMBER, role: "member" }]);
  key = keyFor(api.store, ORG, OWNER);
});

afterEach(async () => {
  await api.close();
});

const get = (route: string, headers: Record<string, string> = {}) =>
  call(api.url, "GET", route, { key, headers });
const send = (method: string, route: string, headers: Record<string, string>, body?: unknown) =>
  call(api.url, method, route, { key, headers, ...(body === undefined ? {} : { body }) });

function expect412(answer: Answer): void {
  expect(answer.status).toBe(412);
  expect(answer.headers.get("content-type")).toMatch(/application\/json/);
  expect(errorCode(answer)).toBe(PRECONDITION_FAILED);
}

describe("conditional GET /v1/orgs/{org}", () => {
  it("If-Match: the current ETag or * answers 200; another tag is 412, never the body", async () => {
    const first = await get(`/v1/orgs/${ORG}`);
    const tag = first.headers.get("etag")!;
    expect(tag).toMatch(/^"\d+"$/);
    expect((await get(`/v1/orgs/${ORG}`, { "if-match": tag })).status).toBe(200);
    expect((await get(`/v1/orgs/${ORG}`, { "if-match": "*" })).status).toBe(200);
    api.store.updateOrganization(SYSTEM, ORG, {
      ...api.store.snapshot(ORG)!.settings,
      displayName: "UI",
    });
    const stale = await get(`/v1/orgs/${ORG}`, { "if-match": tag });
    expect412(stale);
    expect(JSON.stringify(stale.body)).not.toContain("UI");
    // A quoted star is an entity tag like any other, not the wildcard.
    expect412(await get(`/v1/orgs/${ORG}`, { "if-match": '"*"' }));
  });

  it("If-None-Match: a match is 304 with the ETag and no body; a change answers 200", async () => {
    const tag = (await get(`/v1/orgs/${ORG}`)).headers.get("etag")!;
    const response = await fetch(`${api.url}/v1/orgs/${ORG}`, {
      headers: { authorization: `Bearer ${key}`, "if-none-match": tag },
    });
    expect(response.status).toBe(304);
    expect(response.headers.get("etag")).toBe(tag);
    expect(await response.text()).toBe("");
    expect((await get(`/v1/orgs/${ORG}`, { "if-none-match": "*" })).status).toBe(304);
    api.store.updateOrganization(SYSTEM, ORG, {
      ...api.store.snapshot(ORG)!.settings,
      displayName: "UI",
    });
    const changed = await get(`/v1/orgs/${ORG}`, { "if-none-match": tag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(tag);
  });

  it("reads without an ETag (lists) and malformed tags on the org are 400", async () => {
    for (const [route, headers] of [
      [`/v1/orgs/${ORG}/members`, { "if-match": "*" }],
      [`/v1/orgs/${ORG}/invitations`, { "if-none-match": '"1"' }],
      ["/v1/me", { "if-match": '"1"' }],
      [`/v1/orgs/${ORG}`, { "if-match": 'W/"1"' }],
      [`/v1/orgs/${ORG}`, { "if-match": '"1", "2"' }],
      [`/v1/orgs/${ORG}`, { "if-match": "*", "if-none-match": "*" }],
    ] as const) {
      const answer = await get(route, headers);
      expect({ route, headers, status: answer.status }).toEqual({ route, headers, status: 400 });
    }
  });
});

describe("If-Match: * on writes: the record must exist, whatever its version", () => {
  it("applies to an existing record and is 412 (nothing written) for a missing one", async () => {
    const member = `/v1/orgs/${ORG}/members/${encodeURIComponent(MEMBER)}`;
    const promoted = await send("PATCH", member, { "if-match": "*" }, { role: "admin" });
    expect(promoted.status).toBe(200);
    expect(api.store.snapshot(ORG)!.members.find((m) => m.email === MEMBER)?.role).toBe("admin");

    const audit = api.store.listAudit(SYSTEM, ORG).items.length;
    // No open invitation of zoe: an upsert "only if it exists" creates nothing.
    expect412(
      await send(
        "POST",
        `/v1/orgs/${ORG}/invitations`,
        { "if-match": "*" },
        { email: "zoe@acme.com", role: "member" },
      ),
    );
    expect412(
      await send("DELETE", `/v1/orgs/${ORG}/invitations/zoe%40acme.com`, { "if-match": "*" }),
    );
    expect(api.store.snapshot(ORG)!.invitations).toEqual([]);
    expect(api.store.listAudit(SYSTEM, ORG).items.length).toBe(audit);

    await api.store.invite(SYSTEM, ORG, "zoe@acme.com", "member");
    const regraded = await send(
      "POST",
      `/v1/orgs/${ORG}/invitations`,
      { "if-match": "*" },
      { email: "zoe@acme.com", role: "admin" },
    );
    expect(regraded.status).toBe(201);
    expect(api.store.snapshot(ORG)!.invitations).toEqual([
      expect.objectContaining({ email: "zoe@acme.com", role: "admin" }),
    ]);
  });

  it("the HTTP backend sends a `present` precondition as If-Match: *", async () => {
    const backend = new HttpBackend({
      baseUrl: api.url,
      token: key,
      retry: { sleep: () => Promise.resolve() },
    });
    const ctx = (id: string): WriteContext => ({
      revision: "r",
      reason: "test",
      actor: "roster@test",
      idempotencyKey: id,
      expect: { present: true },
    });
    // Without a precondition cancelling nothing is a noop; "must exist" refuses it.
    await expect(backend.cancelInvite(ORG, "nobody@acme.com", ctx("k1"))).rejects.toMatchObject({
      code: PRECONDITION_FAILED,
    });
    await expect(backend.changeRole(ORG, MEMBER, "member", "admin", ctx("k2"))).resolves.toBe(
      "applied",
    );
    await backend.close();
  });
});
