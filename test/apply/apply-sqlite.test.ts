import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../controller/adapters/backends/sqlite/backend.js";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import { applyPlan } from "../../controller/apply/index.js";
import type { DesiredState, IdentityBackend } from "../../controller/model/index.js";
import { FULL_CAPABILITIES } from "../../controller/model/index.js";
import { plan } from "../../controller/plan/index.js";
import type { ObservedState, Plan } from "../../controller/plan/types.js";
import { FlakyBackend } from "../fakes/flaky-backend.js";
import { declaredOrg, desiredState } from "./fixtures.js";
import { MemoryState } from "./memory-state.js";

const noWait = { sleep: () => Promise.resolve(), random: () => 0.5 };
const SYSTEM = { kind: "system" as const, name: "test" };

let dir: string;
let file: string;
let store: PortalStore;
let backend: SqliteBackend;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "roster-apply-sqlite-"));
  file = path.join(dir, "portal.db");
  store = PortalStore.open(file);
  backend = new SqliteBackend(store, { describe: `sqlite:${file}` });
});

afterEach(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

async function observe(b: IdentityBackend, state: MemoryState, desired: DesiredState) {
  const organizations = new Map();
  for (const org of desired.organizations) {
    organizations.set(org.name, {
      actual: await b.snapshot(org.name),
      managed: await state.managedMembers(org.name),
      capabilities: FULL_CAPABILITIES,
    });
  }
  return { organizations, undeclared: [] } as ObservedState;
}

/** What the file holds, read with a separate connection as an auditor would. */
function rows<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const invitationCount = (email: string) =>
  rows<{ n: number }>("SELECT count(*) AS n FROM invitations WHERE email = ?", email)[0]!.n;

function team(n: number): DesiredState {
  const members: Record<string, "owner" | "member"> = { "alice@acme.com": "owner" };
  for (let i = 0; i < n; i++) members[`user${String(i).padStart(2, "0")}@acme.com`] = "member";
  return desiredState("rev-sqlite", declaredOrg("acme", members));
}

describe("applyPlan against the embedded SQLite store", () => {
  it("an invite that committed but lost its answer is replayed by key: one invitation row", async () => {
    const flaky = new FlakyBackend(backend).fail(
      "invite",
      { kind: "commitThenThrow", times: 1 },
      { email: "user01@acme.com" },
    );
    const state = new MemoryState();
    const desired = team(3);
    const observed = await observe(flaky, state, desired);
    const p = plan(desired, observed);
    const results = await applyPlan(p, flaky, state, { desired, observed, retry: noWait });
    const retried = results.find((r) => r.step.email === "user01@acme.com");
    // The replay answers the first attempt's outcome: it was applied, once.
    expect(retried).toMatchObject({ result: "applied", attempts: 2 });
    expect(invitationCount("user01@acme.com")).toBe(1);
    expect(results.filter((r) => r.result === "applied")).toHaveLength(4); // org + 3 invites
  });

  it("re-running the same stale plan after a crash has no second effect: its preconditions refuse what landed", async () => {
    const state = new MemoryState();
    const desired = team(12);
    const observed = await observe(backend, state, desired);
    const p: Plan = plan(desired, observed);
    // The journal dies after 5 steps: the run stops as a crash would, some invites landed.
    let journaled = 0;
    const original = state.appendJournal.bind(state);
    state.appendJournal = (entry) => {
      if (++journaled > 5) return Promise.reject(new Error("killed"));
      return original(entry);
    };
    await expect(
      applyPlan(p, backend, state, { desired, observed, retry: noWait, concurrency: 2 }),
    ).rejects.toThrow("killed");
    const landed = rows<{ email: string }>("SELECT email FROM invitations").length;
    expect(landed).toBeGreaterThan(0);
    expect(landed).toBeLessThan(12);
    // What landed carries Roster's mark, written in the same transaction as the invitation.
    const marked = rows<{ email: string }>("SELECT email FROM invitations WHERE managed = 1");
    expect(marked).toHaveLength(landed);

    state.appendJournal = original;
    const again = await applyPlan(p, backend, state, { desired, observed, retry: noWait });
    expect(
      again
        .filter((r) => r.result === "failed")
        .map((r) => [r.step.action, r.step.email, r.error?.message]),
    ).toEqual([]);
    // The plan said "no such organization yet": no longer so. Nothing of it runs; the
    // reconcile pass would observe and plan again (test/reconcile/converge.test.ts).
    expect(again.map((r) => r.result)).toEqual(again.map(() => "conflict"));
    expect(again.filter((r) => r.attempts > 0).map((r) => r.step.action)).toEqual([
      "createOrganization",
    ]);
    const replanned = plan(desired, await observe(backend, state, desired));
    expect(replanned.steps).toHaveLength(12 - landed);
    await applyPlan(replanned, backend, state, {
      desired,
      observed: await observe(backend, state, desired),
      retry: noWait,
    });
    const perEmail = rows<{ email: string; n: number }>(
      "SELECT email, count(*) AS n FROM invitations GROUP BY email",
    );
    expect(perEmail).toHaveLength(12);
    expect(perEmail.every((r) => r.n === 1)).toBe(true);
    // And a fresh plan from what the store now holds is empty.
    expect(plan(desired, await observe(backend, state, desired)).steps).toEqual([]);
  });

  it("removal through the executor revokes the member's API keys and sessions (R6)", async () => {
    const state = new MemoryState();
    const desired = desiredState(
      "r1",
      declaredOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "admin" }),
    );
    let observed = await observe(backend, state, desired);
    await applyPlan(plan(desired, observed), backend, state, { desired, observed, retry: noWait });
    store.acceptInvitationByEmail(SYSTEM, "acme", "bob@acme.com");
    store.signIn("bob@acme.com");
    store.createApiKey(SYSTEM, "acme", "bob@acme.com");

    const without = desiredState("r2", declaredOrg("acme", { "alice@acme.com": "owner" }));
    observed = await observe(backend, state, without);
    const p = plan(without, observed);
    expect(p.steps.map((s) => `${s.action} ${s.email}`)).toEqual(["remove bob@acme.com"]);
    const results = await applyPlan(p, backend, state, {
      desired: without,
      observed,
      retry: noWait,
    });
    expect(results).toMatchObject([{ result: "applied" }]);
    expect(rows("SELECT * FROM memberships WHERE email = 'bob@acme.com'")).toEqual([]);
    expect(
      rows("SELECT * FROM api_keys WHERE email = 'bob@acme.com' AND revoked_at IS NULL"),
    ).toEqual([]);
    expect(
      rows("SELECT * FROM sessions WHERE email = 'bob@acme.com' AND revoked_at IS NULL"),
    ).toEqual([]);
    const audit = rows<{ action: string; revision: string; reason: string }>(
      "SELECT action, revision, reason FROM audit_events WHERE target = 'bob@acme.com' ORDER BY id",
    );
    expect(audit.at(-1)).toMatchObject({ revision: "r2" });
    expect(await state.managedMembers("acme")).not.toContain("bob@acme.com");
  });

  it("a transient failure of the store is retried and lands once", async () => {
    const flaky = new FlakyBackend(backend).fail(
      "invite",
      { kind: "transient", times: 2 },
      { email: "user00@acme.com" },
    );
    const state = new MemoryState();
    const desired = team(1);
    const observed = await observe(flaky, state, desired);
    const results = await applyPlan(plan(desired, observed), flaky, state, {
      desired,
      observed,
      retry: noWait,
    });
    expect(results.map((r) => [r.step.action, r.result, r.attempts])).toEqual([
      ["createOrganization", "applied", 1],
      ["invite", "applied", 3],
    ]);
    expect(invitationCount("user00@acme.com")).toBe(1);
    expect(state.journal.map((e) => e.result)).toEqual(["applied", "applied"]);
  });
});
