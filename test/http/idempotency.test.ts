import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiHarness } from "./harness.js";
import { call, keyFor, seedOrg, startApi } from "./harness.js";

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

function countRows(sql: string, ...params: unknown[]): number {
  return (api.store.db.prepare(sql).get(...params) as { n: number }).n;
}

describe("Idempotency-Key", () => {
  const invite = (key: string, idem: string, email = "carol@acme.com") =>
    call(api.url, "POST", `/v1/orgs/${ORG}/invitations`, {
      key,
      body: { email, role: "member" },
      headers: { "idempotency-key": idem },
    });

  it("returns the first result to a retry, with no second effect, even after a restart", async () => {
    const first = await invite(owner, "step-1");
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const retry = await invite(owner, "step-1");
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toMatchObject({ outcome: "applied", replayed: true });

    await api.restart();
    const afterRestart = await invite(owner, "step-1");
    expect(afterRestart.status).toBe(201);
    expect(afterRestart.body).toMatchObject({ outcome: "applied", replayed: true });

    expect(
      countRows("SELECT COUNT(*) AS n FROM invitations WHERE email = ?", "carol@acme.com"),
    ).toBe(1);
    expect(
      countRows(
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'invite' AND target = ?",
        "carol@acme.com",
      ),
    ).toBe(1);
    expect(api.mailer.to("carol@acme.com")).toHaveLength(1);
  });

  it("refuses a key reused for another request (409) and keeps keys of different API keys apart", async () => {
    await invite(owner, "k");
    const reused = await invite(owner, "k", "dan@acme.com");
    expect(reused.status).toBe(409);
    expect(api.store.snapshot(ORG)?.invitations.map((i) => i.email)).toEqual(["carol@acme.com"]);
    const otherCaller = await invite(admin, "k", "dan@acme.com");
    expect(otherCaller.body).toMatchObject({ outcome: "applied", replayed: false });
    const bad = await invite(owner, "x".repeat(201));
    expect(bad.status).toBe(400);
  });

  it("creates one API key per key, and a replay does not show the secret again", async () => {
    const create = () =>
      call(api.url, "POST", `/v1/orgs/${ORG}/api-keys`, {
        key: admin,
        headers: { "idempotency-key": "new-key" },
      });
    const first = await create();
    expect(first.status).toBe(201);
    const created = first.body as { key: string; id: number };
    expect(created.key).toMatch(/^rk_/);
    expect((await call(api.url, "GET", "/v1/me", { key: created.key })).body).toMatchObject({
      email: ADMIN,
    });
    const replay = await create();
    expect(replay.body).toMatchObject({ id: created.id, replayed: true });
    expect((replay.body as { key?: string }).key).toBeUndefined();
    expect(countRows("SELECT COUNT(*) AS n FROM api_keys WHERE email = ?", ADMIN)).toBe(2);
  });
  it("answers the retry of a transfer although the transfer made the caller an admin", async () => {
    const transfer = (idem: string) =>
      call(api.url, "POST", `/v1/orgs/${ORG}/transfer`, {
        key: owner,
        body: { to: ADMIN, from: OWNER },
        headers: { "idempotency-key": idem },
      });
    expect((await transfer("t-1")).body).toMatchObject({ outcome: "applied", replayed: false });
    const retry = await transfer("t-1");
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ outcome: "applied", replayed: true });
    // A new request is a new decision: the old owner is an admin now (R5).
    expect((await transfer("t-2")).status).toBe(403);
  });
});
