import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteControllerState } from "../../controller/adapters/backends/sqlite/controller-state.js";
import { FolderSource } from "../../controller/adapters/sources/folder.js";
import { reconcile } from "../../controller/reconcile/index.js";
import { writeDesired } from "./desired.js";
import { HttpBackend, MARK_BATCH } from "../../controller/adapters/backends/http/backend.js";
import type { WriteContext } from "../../controller/model/index.js";
import { PRECONDITION_FAILED, defaultOrgSettings } from "../../controller/model/index.js";
import { FaultProxy } from "../fakes/fault-proxy.js";
import type { Answer, ApiHarness } from "./harness.js";
import { call, errorCode, keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

const ORG = "acme";
const OWNER = "alice@acme.com";
const ADMIN = "bob@acme.com";
const MEMBER = "carol@acme.com";
const BOOTSTRAP = "b".repeat(40);
/** How the backend spells a member's path (the proxy logs it so). */
const memberPath = (email: string) => `/v1/orgs/${ORG}/members/${encodeURIComponent(email)}`;

let api: ApiHarness;
let proxy: FaultProxy;
let ownerKey: string;

beforeEach(async () => {
  api = await startApi({ bootstrapToken: BOOTSTRAP });
  await seedOrg(api.store, ORG, OWNER, [
    { email: ADMIN, role: "admin" },
    { email: MEMBER, role: "member" },
  ]);
  proxy = await FaultProxy.start(api.url);
  ownerKey = keyFor(api.store, ORG, OWNER);
});

afterEach(async () => {
  await proxy.close();
  await api.close();
});

const as = (key: string, headers: Record<string, string> = {}, body?: unknown) => ({
  key,
  headers,
  ...(body === undefined ? {} : { body }),
});
const members = async (): Promise<{ email: string; version: string; managed: boolean }[]> =>
  ((await call(api.url, "GET", `/v1/orgs/${ORG}/members`, as(ownerKey))).body as { items: [] })
    .items;
const versionOf = async (email: string) =>
  (await members()).find((m) => m.email === email)!.version;
const ctx = (key: string, extra: Partial<WriteContext> = {}): WriteContext => ({
  revision: "rev1",
  reason: "test",
  actor: "roster@test",
  idempotencyKey: key,
  ...extra,
});
const http = (token = ownerKey) =>
  new HttpBackend({ baseUrl: proxy.url, token, retry: { sleep: () => Promise.resolve() } });

function expect412(answer: Answer): void {
  expect(answer.status).toBe(412);
  expect(answer.headers.get("content-type")).toMatch(/application\/json/);
  expect(errorCode(answer)).toBe(PRECONDITION_FAILED);
}

describe("versions on the wire", () => {
  it("list bodies carry version and managed; the organization carries its ETag", async () => {
    const list = await members();
    expect(list.every((m) => /^\d+$/.test(m.version) && m.managed === false)).toBe(true);
    const org = await call(api.url, "GET", `/v1/orgs/${ORG}`, as(ownerKey));
    const settingsVersion = (org.body as { settingsVersion: string }).settingsVersion;
    expect(org.headers.get("etag")).toBe(`"${settingsVersion}"`);
    await api.store.invite(SYSTEM, ORG, "zoe@acme.com", "member");
    const invites = await call(api.url, "GET", `/v1/orgs/${ORG}/invitations`, as(ownerKey));
    expect((invites.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        email: "zoe@acme.com",
        version: expect.any(String),
        managed: false,
      }),
    ]);
  });

  it("a write answers the record's new version as its ETag", async () => {
    const before = await versionOf(MEMBER);
    const answer = await call(
      api.url,
      "PATCH",
      `/v1/orgs/${ORG}/members/${MEMBER}`,
      as(ownerKey, { "if-match": `"${before}"` }, { role: "admin" }),
    );
    expect(answer.status).toBe(200);
    const now = await versionOf(MEMBER);
    expect(now).not.toBe(before);
    expect(answer.headers.get("etag")).toBe(`"${now}"`);
  });
});

describe("If-Match / If-None-Match", () => {
  it("a stale If-Match answers 412 with a JSON error body and changes nothing", async () => {
    const seen = await versionOf(MEMBER);
    api.store.changeRole(SYSTEM, ORG, MEMBER, "admin"); // the Portal's UI, meanwhile
    const audit = api.store.listAudit(SYSTEM, ORG).items.length;
    expect412(
      await call(
        api.url,
        "PATCH",
        `/v1/orgs/${ORG}/members/${MEMBER}`,
        as(ownerKey, { "if-match": `"${seen}"` }, { role: "member" }),
      ),
    );
    expect412(
      await call(
        api.url,
        "DELETE",
        `/v1/orgs/${ORG}/members/${MEMBER}`,
        as(ownerKey, { "if-match": `"${seen}"` }),
      ),
    );
    const org = await call(api.url, "GET", `/v1/orgs/${ORG}`, as(ownerKey));
    api.store.updateOrganization(SYSTEM, ORG, {
      ...defaultOrgSettings(ORG),
      domains: [],
      displayName: "UI",
    });
    expect412(
      await call(
        api.url,
        "PATCH",
        `/v1/orgs/${ORG}`,
        as(
          ownerKey,
          { "if-match": org.headers.get("etag")! },
          { settings: { displayName: "Git" } },
        ),
      ),
    );
    expect(api.store.listAudit(SYSTEM, ORG).items.length).toBe(audit + 1);
    expect((await members()).find((m) => m.email === MEMBER)).toMatchObject({
      version: expect.any(String),
    });
    expect(api.store.snapshot(ORG)!.settings.displayName).toBe("UI");
  });

  it("If-None-Match: * refuses an invite for an email that is a member or invited meanwhile", async () => {
    await api.store.invite(SYSTEM, ORG, "zoe@acme.com", "member");
    for (const email of ["zoe@acme.com", MEMBER]) {
      expect412(
        await call(
          api.url,
          "POST",
          `/v1/orgs/${ORG}/invitations`,
          as(ownerKey, { "if-none-match": "*" }, { email, role: "admin" }),
        ),
      );
    }
    const fresh = await call(
      api.url,
      "POST",
      `/v1/orgs/${ORG}/invitations`,
      as(ownerKey, { "if-none-match": "*" }, { email: "new@acme.com", role: "member" }),
    );
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("etag")).toMatch(/^"\d+"$/);
    expect412(
      await call(
        api.url,
        "POST",
        "/v1/orgs",
        as(
          BOOTSTRAP,
          { "if-none-match": "*" },
          {
            name: ORG,
            owner: OWNER,
            settings: { ...defaultOrgSettings(ORG), domains: [] },
          },
        ),
      ),
    );
  });

  it("If-Match stays optional; malformed or misplaced preconditions are 400", async () => {
    const plain = await call(
      api.url,
      "PATCH",
      `/v1/orgs/${ORG}/members/${MEMBER}`,
      as(ownerKey, {}, { role: "admin" }),
    );
    expect(plain.status).toBe(200);
    const cases: [string, string, Record<string, string>, unknown][] = [
      ["PATCH", `/v1/orgs/${ORG}/members/${MEMBER}`, { "if-match": "42" }, { role: "member" }],
      ["PATCH", `/v1/orgs/${ORG}/members/${MEMBER}`, { "if-match": 'W/"42"' }, { role: "member" }],
      [
        "PATCH",
        `/v1/orgs/${ORG}/members/${MEMBER}`,
        { "if-match": '"1", "2"' },
        { role: "member" },
      ],
      [
        "POST",
        `/v1/orgs/${ORG}/invitations`,
        { "if-none-match": '"3"' },
        { email: "x@acme.com", role: "member" },
      ],
      [
        "POST",
        `/v1/orgs/${ORG}/invitations`,
        { "if-match": '"3"', "if-none-match": "*" },
        { email: "x@acme.com", role: "member" },
      ],
      ["POST", `/v1/orgs/${ORG}/api-keys`, { "if-match": '"3"' }, {}],
      ["POST", `/v1/orgs/${ORG}/managed`, { "if-none-match": "*" }, { emails: [] }],
    ];
    for (const [method, route, headers, body] of cases) {
      const answer = await call(api.url, method, route, as(ownerKey, headers, body));
      expect({ route, headers, status: answer.status }).toEqual({ route, headers, status: 400 });
    }
  });
});

describe("managed marks over HTTP", () => {
  it("`managed: true` marks the record; a plain write keeps the mark; a bad flag is refused", async () => {
    const invite = await call(
      api.url,
      "POST",
      `/v1/orgs/${ORG}/invitations`,
      as(ownerKey, {}, { email: "zoe@acme.com", role: "member", managed: true }),
    );
    expect(invite.status).toBe(201);
    await call(
      api.url,
      "PATCH",
      `/v1/orgs/${ORG}/members/${MEMBER}`,
      as(ownerKey, {}, { role: "admin", managed: true }),
    );
    await call(
      api.url,
      "PATCH",
      `/v1/orgs/${ORG}/members/${MEMBER}`,
      as(ownerKey, {}, { role: "member" }),
    );
    expect(api.store.snapshot(ORG)!.members.find((m) => m.email === MEMBER)!.managed).toBe(true);
    expect(api.store.snapshot(ORG)!.invitations[0]!.managed).toBe(true);
    const bad = await call(
      api.url,
      "PATCH",
      `/v1/orgs/${ORG}/members/${MEMBER}`,
      as(ownerKey, {}, { role: "admin", managed: "yes" }),
    );
    expect(bad.status).toBe(422);
  });

  it("POST …/managed marks per record for an admin; a member's key is refused", async () => {
    const adminKey = keyFor(api.store, ORG, ADMIN);
    const memberKey = keyFor(api.store, ORG, MEMBER);
    const refused = await call(
      api.url,
      "POST",
      `/v1/orgs/${ORG}/managed`,
      as(memberKey, {}, { emails: [MEMBER] }),
    );
    expect(refused.status).toBe(403);
    const marked = await call(
      api.url,
      "POST",
      `/v1/orgs/${ORG}/managed`,
      as(adminKey, {}, { emails: [MEMBER, OWNER, "ghost@acme.com"] }),
    );
    expect(marked).toMatchObject({ status: 200, body: { outcome: "applied", marked: 2 } });
    const again = await call(
      api.url,
      "POST",
      `/v1/orgs/${ORG}/managed`,
      as(adminKey, {}, { emails: [MEMBER] }),
    );
    expect(again).toMatchObject({ status: 200, body: { outcome: "noop", marked: 0 } });
    for (const body of [
      {},
      { emails: "x" },
      { emails: [1] },
      { emails: Array(1001).fill("a@acme.com") },
    ]) {
      const answer = await call(api.url, "POST", `/v1/orgs/${ORG}/managed`, as(adminKey, {}, body));
      expect(answer.status).toBe(422);
    }
    expect(Object.fromEntries((await members()).map((m) => [m.email, m.managed]))).toEqual({
      [OWNER]: true,
      [ADMIN]: false,
      [MEMBER]: true,
    });
  });

  it("the capabilities endpoint names the key holder", async () => {
    const me = await call(api.url, "GET", "/v1/me", as(keyFor(api.store, ORG, ADMIN)));
    expect(me.body).toMatchObject({ capabilities: { actorRole: "admin", identity: ADMIN } });
    expect(await http(keyFor(api.store, ORG, ADMIN)).capabilities(ORG)).toMatchObject({
      identity: ADMIN,
    });
    expect(await http(keyFor(api.store, ORG, ADMIN)).capabilities("other")).toEqual({
      actorRole: "none",
      identity: ADMIN,
    });
  });
});

describe("HttpBackend: preconditions and one attempt per write", () => {
  it("a stale expect is precondition-failed (not transient), sent once", async () => {
    const seen = await versionOf(MEMBER);
    api.store.changeRole(SYSTEM, ORG, MEMBER, "admin");
    const error = await http()
      .changeRole(ORG, MEMBER, "member", "admin", ctx("k", { expect: { version: seen } }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "BackendError",
      code: PRECONDITION_FAILED,
      transient: false,
    });
    expect(proxy.count("PATCH", memberPath(MEMBER))).toBe(1);
  });

  it("cancel of an invitation accepted after the snapshot fails with precondition-failed", async () => {
    const backend = http();
    await backend.invite(ORG, "zoe@acme.com", "member", ctx("i", { managed: true }));
    const snap = (await backend.snapshot(ORG))!;
    const zoe = snap.invitations.find((i) => i.email === "zoe@acme.com")!;
    expect(zoe.managed).toBe(true);
    api.store.acceptInvitationByEmail(SYSTEM, ORG, "zoe@acme.com");
    await expect(
      backend.cancelInvite(ORG, "zoe@acme.com", ctx("c", { expect: { version: zoe.version! } })),
    ).rejects.toMatchObject({ code: PRECONDITION_FAILED });
    // The accepted membership kept the invitation's mark: a re-plan knows Roster manages Zoe.
    expect(
      (await backend.snapshot(ORG))!.members.find((m) => m.email === "zoe@acme.com"),
    ).toMatchObject({ managed: true });
  });

  it("the HTTP client sends a write once: a 503 is the executor's to retry; reads still retry", async () => {
    proxy.add({
      method: "PATCH",
      path: memberPath(MEMBER),
      action: { kind: "status", status: 503 },
    });
    proxy.add({
      method: "GET",
      path: "/v1/me",
      nth: [1, 2],
      action: { kind: "status", status: 503 },
    });
    const backend = http();
    await expect(
      backend.changeRole(ORG, MEMBER, "member", "admin", ctx("k")),
    ).rejects.toMatchObject({ transient: true, code: "unavailable" });
    expect(proxy.count("PATCH", memberPath(MEMBER))).toBe(1);
    for (const [method, path, act] of [
      [
        "POST",
        `/v1/orgs/${ORG}/invitations`,
        () => backend.invite(ORG, "x@acme.com", "member", ctx("i")),
      ],
      ["DELETE", memberPath(ADMIN), () => backend.remove(ORG, ADMIN, ctx("r"))],
      ["POST", `/v1/orgs/${ORG}/managed`, () => backend.markManaged(ORG, [ADMIN], ctx("m"))],
    ] as const) {
      proxy.add({ method, path, times: 1, action: { kind: "reset-before" } });
      await expect(act()).rejects.toMatchObject({ transient: true });
      expect({ path, calls: proxy.count(method, path) }).toEqual({ path, calls: 1 });
    }
    expect((await backend.capabilities(ORG)).actorRole).toBe("owner");
    expect(proxy.count("GET", "/v1/me")).toBe(3);
  });

  it("markManaged sends batches of MARK_BATCH and marks every record", async () => {
    const emails = Array.from({ length: MARK_BATCH * 2 + 3 }, (_, i) => `u${i}@acme.com`);
    const batch = emails.slice(0, 40);
    for (const email of batch) await api.store.invite(SYSTEM, ORG, email, "member");
    await http().markManaged(ORG, [...emails, MEMBER], ctx("m"));
    expect(proxy.count("POST", `/v1/orgs/${ORG}/managed`)).toBe(3);
    const snap = api.store.snapshot(ORG)!;
    expect(snap.invitations.filter((i) => i.managed)).toHaveLength(40);
    expect(snap.members.find((m) => m.email === MEMBER)!.managed).toBe(true);
    await http().markManaged(ORG, [], ctx("none"));
    expect(proxy.count("POST", `/v1/orgs/${ORG}/managed`)).toBe(3);
  });
});

describe("one retry layer, counted", () => {
  it("the executor's attempt count equals the calls that left the client", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "roster-attempts-"));
    const state = SqliteControllerState.open(path.join(dir, "state.db"));
    try {
      await writeDesired(path.join(dir, "src"), {
        name: ORG,
        members: {
          [OWNER]: "owner",
          [ADMIN]: "admin",
          [MEMBER]: "member",
          "dan@acme.com": "member",
        },
      });
      const invites = `/v1/orgs/${ORG}/invitations`;
      proxy.add({
        method: "POST",
        path: invites,
        nth: [1, 2],
        action: { kind: "status", status: 503 },
      });
      const result = await reconcile(
        { source: new FolderSource([path.join(dir, "src")]), backend: http(), state },
        { dryRun: false, retry: { sleep: () => Promise.resolve(), random: () => 0 } },
      );
      const invite = result.orgs[0]!.results.find((r) => r.step.action === "invite")!;
      expect(invite).toMatchObject({ result: "applied", attempts: 3 });
      expect(proxy.count("POST", invites)).toBe(3);
      expect(proxy.upstreamCount("POST", invites)).toBe(1);
      expect(api.mailer.to("dan@acme.com")).toHaveLength(1);
    } finally {
      await state.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
