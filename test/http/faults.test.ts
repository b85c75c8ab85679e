import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpBackend } from "../../controller/adapters/backends/http/backend.js";
import { SqliteControllerState } from "../../controller/adapters/backends/sqlite/controller-state.js";
import { FolderSource } from "../../controller/adapters/sources/folder.js";
import type { Role } from "../../controller/model/index.js";
import { reconcile } from "../../controller/reconcile/index.js";
import { FaultProxy } from "../fakes/fault-proxy.js";
import { expected, granted, writeDesired } from "./desired.js";
import type { ApiHarness } from "./harness.js";
import { call, keyFor, seedOrg, startApi, SYSTEM } from "./harness.js";

const ORG = "acme";
const OWNER = "alice@acme.com";
const noWait = { sleep: () => Promise.resolve(), random: () => 0.5 };

let api: ApiHarness;
let proxy: FaultProxy;
let dir: string;
let state: SqliteControllerState;

beforeEach(async () => {
  api = await startApi();
  proxy = await FaultProxy.start(api.url);
  dir = await mkdtemp(path.join(tmpdir(), "roster-faults-"));
  state = SqliteControllerState.open(path.join(dir, "state.db"));
});

afterEach(async () => {
  await state.close();
  await proxy.close();
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function httpBackend(token: string, pageSize?: number): HttpBackend {
  return new HttpBackend({ baseUrl: proxy.url, token, timeoutMs: 250, pageSize, retry: noWait });
}

function sync(backend: HttpBackend, dryRun = false) {
  return reconcile(
    { source: new FolderSource([path.join(dir, "src")]), backend, state },
    { dryRun, concurrency: 4, retry: noWait },
  );
}

function rows<T>(sql: string): T[] {
  return api.store.db.prepare(sql).all() as T[];
}

/** Effects recorded by the store, per (action, target): a duplicate shows as a count above 1. */
function effectCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows<{ action: string; target: string; n: number }>(
    `SELECT action, target, COUNT(*) AS n FROM audit_events
     WHERE actor LIKE 'user:%' AND action <> 'markManaged' GROUP BY action, target`,
  )) {
    counts[`${r.action} ${r.target}`] = r.n;
  }
  return counts;
}

describe("apply through a hostile network", () => {
  it("converges with every change made exactly once under 500/503/429, resets and timeouts", async () => {
    const existing = ["bob", "carol", "dave", "erin"].map((n) => `${n}@acme.com`);
    await seedOrg(
      api.store,
      ORG,
      OWNER,
      existing.map((email) => ({ email, role: "admin" as const })),
    );
    await api.store.invite(SYSTEM, ORG, "frank@acme.com", "member");
    const newcomers = Array.from({ length: 12 }, (_, i) => `new${i}@acme.com`);
    const members: Record<string, Role> = {
      [OWNER]: "owner",
      "bob@acme.com": "member",
      "carol@acme.com": "admin",
    };
    for (const [i, email] of newcomers.entries()) members[email] = i % 3 ? "member" : "admin";
    await writeDesired(path.join(dir, "src"), { name: ORG, displayName: "Acme Inc.", members });

    const invites = `/v1/orgs/${ORG}/invitations`;
    proxy
      .add({
        method: "GET",
        path: `/v1/orgs/${ORG}/members`,
        nth: 1,
        action: { kind: "status", status: 503 },
      })
      .add({
        method: "PATCH",
        path: `/v1/orgs/${ORG}`,
        nth: 1,
        action: { kind: "reset-after-commit" },
      })
      .add({ method: "POST", path: invites, nth: [1, 3], action: { kind: "reset-after-commit" } })
      .add({ method: "POST", path: invites, nth: 5, action: { kind: "status", status: 500 } })
      .add({ method: "POST", path: invites, nth: 7, action: { kind: "status", status: 503 } })
      .add({
        method: "POST",
        path: invites,
        nth: 8,
        action: { kind: "status", status: 429, retryAfter: "1" },
      })
      // Slower than the client's timeout: the client gives up, the write still lands later.
      .add({ method: "POST", path: invites, nth: 9, action: { kind: "latency", ms: 600 } })
      .add({ method: "PATCH", path: /\/members\//, nth: 1, action: { kind: "reset-after-commit" } })
      .add({
        method: "DELETE",
        path: /\/members\//,
        nth: 1,
        action: { kind: "reset-after-commit" },
      })
      .add({ method: "DELETE", path: /\/members\//, nth: 2, action: { kind: "reset-before" } })
      .add({
        method: "DELETE",
        path: /\/invitations\//,
        nth: 1,
        action: { kind: "status", status: 500 },
      });

    const result = await sync(httpBackend(keyFor(api.store, ORG, OWNER)));
    const failed = result.orgs.flatMap((o) => o.results).filter((r) => r.result === "failed");
    expect(failed).toEqual([]);
    expect(result.orgs.map((o) => o.status)).toEqual(["synced"]);
    // Every kind of fault fired: the test is not vacuous.
    const fired = new Set(proxy.log.map((r) => r.fault).filter(Boolean));
    expect([...fired].sort()).toEqual(["latency", "reset-after-commit", "reset-before", "status"]);
    expect(proxy.log.filter((r) => r.status === "reset").length).toBe(6);

    // backend == desired.
    const actual = api.store.snapshot(ORG);
    expect(granted(actual)).toEqual(
      expected(members, new Set([OWNER, "bob@acme.com", "carol@acme.com"])),
    );
    expect(actual?.settings.displayName).toBe("Acme Inc.");
    // Zero duplicates: one invitation row and one mail per newcomer, one effect per change.
    expect(
      rows("SELECT email FROM invitations GROUP BY org_id, email HAVING COUNT(*) > 1"),
    ).toEqual([]);
    for (const email of newcomers) expect(api.mailer.to(email)).toHaveLength(1);
    const counts = effectCounts();
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    expect(counts).toMatchObject({
      "updateOrganization acme": 1,
      "changeRole bob@acme.com": 1,
      "removeMember dave@acme.com": 1,
      "removeMember erin@acme.com": 1,
      "cancelInvite frank@acme.com": 1,
    });
    expect(Object.keys(counts).filter((k) => k.startsWith("invite "))).toHaveLength(12);

    // Zero lost changes: a second pass has nothing left to do.
    proxy.clearRules();
    const again = await sync(httpBackend(keyFor(api.store, ORG, OWNER)), true);
    expect(again.plan?.steps).toEqual([]);
    expect(again.plan?.blocked).toEqual([]);
  });

  it("aborts the sync with zero writes when page 3 of the member list fails", async () => {
    const others = Array.from({ length: 24 }, (_, i) => `u${String(i).padStart(2, "0")}@acme.com`);
    await seedOrg(
      api.store,
      ORG,
      OWNER,
      others.map((email) => ({ email, role: "member" as const })),
    );
    const key = keyFor(api.store, ORG, OWNER);
    // Only the first 12 stay declared: 12 removals would follow a complete read.
    const members: Record<string, Role> = { [OWNER]: "owner" };
    for (const email of others.slice(0, 12)) members[email] = "member";
    await writeDesired(path.join(dir, "src"), { name: ORG, members });

    // The cursor of page 3, as the API hands it out: page 3 fails every time it is asked for.
    const page1 = await call(api.url, "GET", `/v1/orgs/${ORG}/members?limit=10`, { key });
    const c2 = (page1.body as { next_cursor: string }).next_cursor;
    const page2 = await call(api.url, "GET", `/v1/orgs/${ORG}/members?limit=10&cursor=${c2}`, {
      key,
    });
    const c3 = (page2.body as { next_cursor: string }).next_cursor;
    proxy.add({
      method: "GET",
      path: `/v1/orgs/${ORG}/members`,
      query: new RegExp(`cursor=${c3}(&|$)`),
      action: { kind: "status", status: 500 },
    });
    const before = api.store.snapshot(ORG);

    const result = await sync(httpBackend(key, 10));
    expect(result.orgs).toMatchObject([{ org: ORG, status: "failed", results: [] }]);
    expect(result.orgs[0]?.error).toMatchObject({ transient: true });
    expect(proxy.count("GET", `/v1/orgs/${ORG}/members`)).toBeGreaterThanOrEqual(3 + 4);
    expect(
      proxy.upstreamCount("POST") + proxy.upstreamCount("PATCH") + proxy.upstreamCount("DELETE"),
    ).toBe(0);
    expect(api.store.snapshot(ORG)).toEqual(before);

    // Once the list reads whole, the same source removes exactly the 12 undeclared.
    proxy.clearRules();
    const healed = await sync(httpBackend(key, 10));
    expect(healed.orgs.map((o) => o.status)).toEqual(["synced"]);
    expect(api.store.snapshot(ORG)?.members.map((m) => m.email)).toEqual(
      [OWNER, ...others.slice(0, 12)].sort(),
    );
  });

  it("transfers ownership once when the answer to the transfer is lost", async () => {
    await seedOrg(api.store, ORG, OWNER, [
      { email: "bob@acme.com", role: "member" },
      { email: "carol@acme.com", role: "admin" },
    ]);
    // After the transfer the key's user is an admin: the demotion that follows is R3 work.
    await writeDesired(path.join(dir, "src"), {
      name: ORG,
      members: { [OWNER]: "admin", "bob@acme.com": "owner", "carol@acme.com": "member" },
    });
    proxy.add({
      method: "POST",
      path: `/v1/orgs/${ORG}/transfer`,
      action: { kind: "reset-after-commit" },
      times: 1,
    });
    proxy.add({
      method: "PATCH",
      path: /\/members\//,
      action: { kind: "reset-after-commit" },
      times: 1,
    });
    const result = await sync(httpBackend(keyFor(api.store, ORG, OWNER)));
    expect(result.orgs.map((o) => o.status)).toEqual(["synced"]);
    expect(proxy.upstreamCount("POST", `/v1/orgs/${ORG}/transfer`)).toBe(2);
    expect(effectCounts()).toEqual({
      "transferOwnership bob@acme.com": 1,
      "changeRole carol@acme.com": 1,
    });
    expect(granted(api.store.snapshot(ORG))).toEqual({
      [OWNER]: "admin",
      "bob@acme.com": "owner",
      "carol@acme.com": "member",
    });
  });
});
