import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite, type OpenedSqlite } from "../../controller/adapters/backends/sqlite/open.js";
import { FolderSource } from "../../controller/adapters/sources/folder.js";
import type { IdentityBackend } from "../../controller/model/index.js";
import { defaultOrgSettings } from "../../controller/model/index.js";
import { reconcile } from "../../controller/reconcile/index.js";
import { FlakyBackend } from "../fakes/flaky-backend.js";
import { writeDesired } from "../http/desired.js";

// The hand-over of an earlier Roster's managed set (apply/legacy-managed.ts) against a real
// SQLite store, with the failure in the middle that must lose nothing.

const SYSTEM = { kind: "system" as const, name: "test" };
const ORG = "acme";
const noWait = { sleep: () => Promise.resolve(), random: () => 0.5 };

let dir: string;
let opened: OpenedSqlite;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "roster-legacy-"));
  opened = openSqlite(path.join(dir, "portal.db"));
  const { store } = opened;
  store.createOrganization(
    SYSTEM,
    ORG,
    { ...defaultOrgSettings(ORG), domains: [] },
    "alice@acme.com",
  );
  for (const email of ["bob@acme.com", "carol@acme.com"]) {
    await store.invite(SYSTEM, ORG, email, "member");
    store.acceptInvitationByEmail(SYSTEM, ORG, email);
  }
  // What a Roster before marks remembered: it managed bob and carol.
  await opened.state.addManagedMembers(ORG, ["bob@acme.com", "carol@acme.com"]);
  await writeDesired(path.join(dir, "src"), {
    name: ORG,
    unmanaged: "report",
    members: { "alice@acme.com": "owner", "bob@acme.com": "member" },
  });
});

afterEach(async () => {
  await opened.close();
  await rm(dir, { recursive: true, force: true });
});

const pass = (backend: IdentityBackend, dryRun = false) =>
  reconcile(
    {
      source: new FolderSource([path.join(dir, "src")]),
      backend,
      state: opened.state,
      managedState: opened.state,
    },
    { dryRun, retry: noWait },
  );

const memberEmails = () =>
  opened.store
    .snapshot(ORG)!
    .members.map((m) => m.email)
    .sort();

describe("moving an earlier Roster's managed set into the backend's marks", () => {
  it("a failed mark moves nothing and removes nobody; the next pass converges", async () => {
    const flaky = new FlakyBackend(opened.backend).fail("markManaged", {
      kind: "permanent",
      code: "forbidden",
    });
    const failed = await pass(flaky);
    expect(failed.orgs[0]?.status).not.toBe("synced");
    expect(failed.orgs[0]?.error?.message).toMatch(/forbidden|mark/i);
    expect(flaky.callsTo("remove")).toEqual([]);
    expect(memberEmails()).toEqual(["alice@acme.com", "bob@acme.com", "carol@acme.com"]);
    expect([...(await opened.state.managedMembers(ORG))].sort()).toEqual([
      "bob@acme.com",
      "carol@acme.com",
    ]);

    const healed = await pass(opened.backend);
    expect(healed.orgs[0]?.status).toBe("synced");
    expect(memberEmails()).toEqual(["alice@acme.com", "bob@acme.com"]);
    expect(await opened.state.managedMembers(ORG)).toEqual(new Set());
    const marks = (await opened.state.readJournal({ org: ORG })).filter(
      (e) => e.action === "markManaged",
    );
    expect(marks.map((e) => e.email)).toEqual(["bob@acme.com", "carol@acme.com"]);
  });

  it("a dry run (roster plan, --suspend) plans the removal and writes nothing", async () => {
    const flaky = new FlakyBackend(opened.backend);
    const dry = await pass(flaky, true);
    expect(dry.plan?.steps.map((s) => `${s.action} ${s.email ?? ""}`)).toEqual([
      "remove carol@acme.com",
    ]);
    expect(flaky.callsTo("markManaged")).toEqual([]);
    expect(opened.store.snapshot(ORG)!.members.every((m) => m.managed !== true)).toBe(true);
    expect((await opened.state.managedMembers(ORG)).size).toBe(2);
  });
});
