import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStandaloneState } from "../../controller/adapters/backends/sqlite/open.js";
import { PortalStore } from "../../controller/adapters/backends/sqlite/store.js";
import type { Actor } from "../../controller/adapters/backends/sqlite/store-types.js";
import { FaultProxy } from "../fakes/fault-proxy.js";
import type { ApiHarness } from "../http/harness.js";
import { keyFor, seedOrg, startApi } from "../http/harness.js";
import { roster, ServerProcess } from "../http/server-process.js";
import { errors, outcomes, PORTAL, World } from "./regression-world.js";

/** One named test per numbered failure of issue 11 ("Reconcile correctness"). */

const BOOT = "regression-bootstrap-token-0123456789abcdef";
const asUser = (email: string, org = "acme"): Actor => ({
  kind: "user",
  email,
  role: "owner",
  org,
});

let world: World;
const apis: ApiHarness[] = [];
afterEach(async () => {
  await world.close();
  for (const api of apis.splice(0)) await api.close();
});

async function api(): Promise<ApiHarness> {
  const started = await startApi({
    bootstrapToken: BOOT,
    rateLimit: { ratePerSecond: 100_000, burst: 100_000 },
  });
  apis.push(started);
  return started;
}

/** alice owns acme, bob is an active member (invited by Roster, then accepted). */
async function acmeWithBob(bobRole: "admin" | "member" = "member"): Promise<void> {
  world = await World.create();
  await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": bobRole });
  await world.pass();
  world.store.acceptInvitationByEmail(PORTAL, "acme", "bob@ex.io");
  expect(world.members("acme")).toEqual({ "alice@ex.io": "owner", "bob@ex.io": bobRole });
}

describe("1. drift that undoes Roster's change at the same revision is repaired, every time", () => {
  it("a role set back in the Portal is set again (twice)", async () => {
    await acmeWithBob();
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "admin" });
    expect(outcomes(await world.pass())).toEqual(["changeRole bob@ex.io applied"]);
    for (let round = 0; round < 2; round++) {
      world.store.changeRole(asUser("alice@ex.io"), "acme", "bob@ex.io", "member");
      expect(outcomes(await world.pass())).toEqual(["changeRole bob@ex.io applied"]);
      expect(world.members("acme")["bob@ex.io"]).toBe("admin");
    }
  });

  it("a member Roster invited and the Portal removed is invited again", async () => {
    await acmeWithBob();
    world.store.removeMember(asUser("alice@ex.io"), "acme", "bob@ex.io");
    expect(outcomes(await world.pass())).toEqual(["invite bob@ex.io applied"]);
    expect(world.invitations("acme")).toEqual({ "bob@ex.io": "member" });
  });

  it("a cancelled invitation is sent again (twice)", async () => {
    world = await World.create();
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "member" });
    await world.pass();
    for (let round = 0; round < 2; round++) {
      world.store.cancelInvite(asUser("alice@ex.io"), "acme", "bob@ex.io");
      expect(outcomes(await world.pass())).toEqual(["invite bob@ex.io applied"]);
      expect(world.invitations("acme")).toEqual({ "bob@ex.io": "member" });
    }
  });

  it("ownership moved back in the Portal is transferred again", async () => {
    // bob is an admin, so moving ownership back restores exactly the state Roster found.
    await acmeWithBob("admin");
    await world.declare("acme", { "alice@ex.io": "admin", "bob@ex.io": "owner" });
    await world.pass();
    expect(world.members("acme")).toEqual({ "alice@ex.io": "admin", "bob@ex.io": "owner" });
    world.store.transferOwnership(asUser("bob@ex.io"), "acme", "alice@ex.io");
    const again = await world.pass();
    expect(outcomes(again)).toContain("transferOwnership bob@ex.io applied");
    expect(world.members("acme")).toEqual({ "alice@ex.io": "admin", "bob@ex.io": "owner" });
  });

  it("a setting changed back in the Portal is changed again", async () => {
    world = await World.create();
    await world.declare("acme", { "alice@ex.io": "owner" }, "Acme Inc.");
    await world.pass();
    await world.declare("acme", { "alice@ex.io": "owner" }, "Acme Labs");
    await world.pass();
    const settings = world.store.snapshot("acme")!.settings;
    world.store.updateOrganization(asUser("alice@ex.io"), "acme", {
      ...settings,
      displayName: "Acme Inc.",
    });
    expect(outcomes(await world.pass())).toEqual(["updateOrganization acme applied"]);
    expect(world.store.snapshot("acme")!.settings.displayName).toBe("Acme Labs");
  });

  it("a folder restored to earlier content (the same revision) is applied again", async () => {
    await acmeWithBob("member");
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "admin" });
    const first = await world.pass();
    expect(outcomes(first)).toEqual(["changeRole bob@ex.io applied"]);
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "member" });
    expect(outcomes(await world.pass())).toEqual(["changeRole bob@ex.io applied"]);
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "admin" });
    const restored = await world.pass();
    expect(restored.revision).toBe(first.revision);
    expect(outcomes(restored)).toEqual(["changeRole bob@ex.io applied"]);
    expect(world.members("acme")["bob@ex.io"]).toBe("admin");
  });
});

describe("2. `apply` beside `run` on the same store", () => {
  it("the second actor repairs the same drift again instead of colliding on a key", async () => {
    await acmeWithBob();
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "admin" });
    await world.pass({ actor: "roster" });
    world.store.changeRole(asUser("alice@ex.io"), "acme", "bob@ex.io", "member");
    const run = await world.pass({ actor: "roster-controller" });
    expect(errors(run)).toEqual([]);
    expect(outcomes(run)).toEqual(["changeRole bob@ex.io applied"]);
  });

  it("two writers at once converge, each change applied once, no key collision", async () => {
    world = await World.create();
    const members: Record<string, "owner" | "member"> = { "alice@ex.io": "owner" };
    for (let i = 0; i < 20; i++) members[`user${i}@ex.io`] = "member";
    await world.declare("acme", members);
    const interleave = { decoration: { yieldEachCall: true } };
    const [apply, run] = await Promise.all([
      world.pass({ ...interleave, actor: "roster" }),
      world.pass({ ...interleave, actor: "roster-controller" }),
    ]);
    for (const pass of [apply, run]) {
      expect(errors(pass).filter((m) => /idempotency key/i.test(m))).toEqual([]);
      expect(pass.orgs.map((o) => o.status)).toEqual(["synced"]);
    }
    const applied = [...outcomes(apply), ...outcomes(run)].filter((o) => o.endsWith(" applied"));
    expect(applied.filter((o) => o.startsWith("invite "))).toHaveLength(20);
    expect(Object.keys(world.invitations("acme"))).toHaveLength(20);
    expect((await world.pass({ dryRun: true })).plan?.steps).toEqual([]);
  });
});

describe("3. the credential's own steps come last", () => {
  it("owner's key: transfer, old owner becomes member, someone else removed: all succeed", async () => {
    world = await World.create();
    const portal = await api();
    await seedOrg(portal.store, "acme", "alice@ex.io", [
      { email: "bob@ex.io", role: "member" },
      { email: "carol@ex.io", role: "member" },
    ]);
    const key = keyFor(portal.store, "acme", "alice@ex.io");
    const everyone = { "alice@ex.io": "owner", "bob@ex.io": "member", "carol@ex.io": "member" };
    await world.declare("acme", everyone as Record<string, "owner" | "member">);
    await world.passOverHttp(portal.url, key, "checkout"); // Roster takes them over (marks)
    await world.declare("acme", { "alice@ex.io": "member", "bob@ex.io": "owner" });
    const pass = await world.passOverHttp(portal.url, key, "checkout");
    expect(errors(pass)).toEqual([]);
    expect(pass.orgs[0]?.status).toBe("synced");
    const members = portal.store.snapshot("acme")!.members.map((m) => [m.email, m.role]);
    expect(members).toEqual([
      ["alice@ex.io", "member"],
      ["bob@ex.io", "owner"],
    ]);
  });

  it("admin's key removing itself with nine others: the nine first, its own removal last", async () => {
    world = await World.create();
    const portal = await api();
    const nine = Array.from({ length: 9 }, (_, i) => `m${i}@ex.io`);
    await seedOrg(portal.store, "acme", "olga@ex.io", [
      { email: "dan@ex.io", role: "admin" },
      ...nine.map((email) => ({ email, role: "member" as const })),
    ]);
    const key = keyFor(portal.store, "acme", "dan@ex.io");
    const all: Record<string, "owner" | "admin" | "member"> = {
      "olga@ex.io": "owner",
      "dan@ex.io": "admin",
    };
    for (const email of nine) all[email] = "member";
    await world.declare("acme", all);
    await world.passOverHttp(portal.url, key, "checkout");
    await world.declare("acme", { "olga@ex.io": "owner" });
    const pass = await world.passOverHttp(portal.url, key, "checkout");
    expect(errors(pass)).toEqual([]);
    expect(outcomes(pass).filter((o) => o.endsWith("applied"))).toHaveLength(10);
    expect(portal.store.snapshot("acme")!.members.map((m) => m.email)).toEqual(["olga@ex.io"]);
    const removals = portal.store
      .listAudit({ kind: "system", name: "test" }, "acme", { limit: 200 })
      .items.filter((e) => e.action === "removeMember")
      .map((e) => e.target);
    // Newest first: the credential's own removal is the last write.
    expect(removals[0]).toBe("dan@ex.io");
    expect(removals).toHaveLength(10);
  });
});

describe("4. cancel race: the invitee accepts between the snapshot and cancelInvite", () => {
  const acceptBob = (store: PortalStore) => () => {
    store.acceptInvitationByEmail(PORTAL, "acme", "bob@ex.io");
    return Promise.resolve();
  };

  it("embedded store: after the pass they are removed, not left with access", async () => {
    world = await World.create();
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "member" });
    await world.pass();
    await world.declare("acme", { "alice@ex.io": "owner" });
    const pass = await world.pass({ decoration: { beforeFirstWrite: acceptBob(world.store) } });
    expect(pass.orgs[0]?.status).toBe("synced");
    expect(world.members("acme")).toEqual({ "alice@ex.io": "owner" });
    expect(world.invitations("acme")).toEqual({});
  });

  it("over HTTP: the same", async () => {
    world = await World.create();
    const portal = await api();
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "member" });
    await world.passOverHttp(portal.url, BOOT, "checkout");
    await world.declare("acme", { "alice@ex.io": "owner" });
    const pass = await world.passOverHttp(portal.url, BOOT, "checkout", {
      decoration: { beforeFirstWrite: acceptBob(portal.store) },
    });
    expect(pass.orgs[0]?.status).toBe("synced");
    expect(portal.store.snapshot("acme")!.members.map((m) => m.email)).toEqual(["alice@ex.io"]);
    expect(portal.store.snapshot("acme")!.invitations).toEqual([]);
  });
});

describe("5. the managed set lives with the backend", () => {
  it("a plan from a fresh working directory against roster serve still revokes a member deleted from Git", async () => {
    world = await World.create();
    const tokenFile = path.join(world.dir, "token");
    await writeFile(tokenFile, `${BOOT}\n`);
    const db = path.join(world.dir, "served.db");
    expect((await roster(["portal", "init", "--backend", `sqlite:${db}`], world.dir)).code).toBe(0);
    const server = await ServerProcess.start(
      ["--backend", `sqlite:${db}`, "--listen", "127.0.0.1:0", "--bootstrap-token-file", tokenFile],
      world.dir,
    );
    try {
      const flags = ["--source", world.src, "--backend", server.url, "--token-file", tokenFile];
      const [ci1, ci2] = [path.join(world.dir, "ci-1"), path.join(world.dir, "ci-2")];
      await mkdir(ci1);
      await mkdir(ci2);
      await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "member" });
      const first = await roster(["apply", ...flags, "--yes"], ci1);
      expect(first.stderr).toBe("");
      expect(first.code).toBe(0);
      const portal = PortalStore.open(db, { create: false });
      try {
        portal.acceptInvitationByEmail(PORTAL, "acme", "bob@ex.io");
        await world.declare("acme", { "alice@ex.io": "owner" });
        const planned = await roster(["plan", ...flags, "-o", "json"], ci2);
        expect(planned.code).toBe(2);
        const plan = JSON.parse(planned.stdout) as { steps: { action: string; email?: string }[] };
        expect(plan.steps.map((s) => `${s.action} ${s.email}`)).toEqual(["remove bob@ex.io"]);
        expect((await roster(["apply", ...flags, "--yes"], ci2)).code).toBe(0);
        expect(portal.snapshot("acme")!.members.map((m) => m.email)).toEqual(["alice@ex.io"]);
      } finally {
        portal.close();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);

  it("two unrelated backends used from one folder do not share memory", async () => {
    world = await World.create();
    const [one, two] = [await api(), await api()];
    await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "member" });
    await world.passOverHttp(one.url, BOOT, "shared");
    one.store.acceptInvitationByEmail(PORTAL, "acme", "bob@ex.io");
    // The other Portal's acme has a bob Roster never touched.
    await seedOrg(two.store, "acme", "alice@ex.io", [{ email: "bob@ex.io", role: "member" }]);
    await world.declare("acme", { "alice@ex.io": "owner" });
    const onTwo = await world.passOverHttp(two.url, BOOT, "shared", { dryRun: true });
    expect(onTwo.plan?.steps).toEqual([]);
    const onOne = await world.passOverHttp(one.url, BOOT, "shared", { dryRun: true });
    expect(onOne.plan?.steps.map((s) => `${s.action} ${s.email}`)).toEqual(["remove bob@ex.io"]);
  });
});

describe("6. one retry layer over HTTP", () => {
  it("the client sends a write once per executor attempt; the attempts are what the server saw", async () => {
    world = await World.create();
    const portal = await api();
    const proxy = await FaultProxy.start(portal.url);
    try {
      await world.declare("acme", { "alice@ex.io": "owner" });
      await world.passOverHttp(portal.url, BOOT, "checkout");
      await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "member" });
      const invitations = /\/v1\/orgs\/acme\/invitations$/;
      proxy.add({
        method: "POST",
        path: invitations,
        times: 2,
        action: { kind: "status", status: 503 },
      });
      const pass = await world.passOverHttp(proxy.url, BOOT, "checkout");
      const invite = pass.orgs[0]!.results.find((r) => r.step.action === "invite")!;
      expect(invite.result).toBe("applied");
      expect(proxy.count("POST", invitations)).toBe(3);
      expect(proxy.upstreamCount("POST", invitations)).toBe(1);
      expect(invite.attempts).toBe(proxy.count("POST", invitations));

      const state = openStandaloneState(path.join(world.dir, "checkout", "state.db"));
      try {
        const journal = await state.readJournal({ org: "acme" });
        const rows = journal.filter((e) => e.action === "invite" && e.email === "bob@ex.io");
        expect(rows.map((e) => e.result)).toEqual(["applied"]);
        const attempts = (rows[0] as { attempts?: number } | undefined)?.attempts;
        expect(attempts ?? invite.attempts).toBe(3);
      } finally {
        await state.close();
      }
    } finally {
      await proxy.close();
    }
  });

  it("a response lost after commit is retried by the executor once and not applied twice", async () => {
    world = await World.create();
    const portal = await api();
    const proxy = await FaultProxy.start(portal.url);
    try {
      await world.declare("acme", { "alice@ex.io": "owner" });
      await world.passOverHttp(portal.url, BOOT, "checkout");
      await world.declare("acme", { "alice@ex.io": "owner", "bob@ex.io": "member" });
      const invitations = /\/v1\/orgs\/acme\/invitations$/;
      proxy.add({
        method: "POST",
        path: invitations,
        times: 1,
        action: { kind: "reset-after-commit" },
      });
      const pass = await world.passOverHttp(proxy.url, BOOT, "checkout");
      const invite = pass.orgs[0]!.results.find((r) => r.step.action === "invite")!;
      expect(invite.result).toBe("applied");
      expect(invite.attempts).toBe(2);
      expect(proxy.upstreamCount("POST", invitations)).toBe(2);
      expect(portal.mailer.to("bob@ex.io")).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});
