import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStandaloneState } from "../../controller/adapters/backends/sqlite/open.js";
import { applyPlan } from "../../controller/apply/index.js";
import type {
  ControllerState,
  DesiredMember,
  DesiredState,
  Role,
} from "../../controller/model/index.js";
import { defaultOrgPolicy, defaultOrgSettings } from "../../controller/model/index.js";
import {
  isAutoProvisioned,
  plan,
  type ObservedState,
  type Plan,
} from "../../controller/plan/index.js";
import { GROUP, harness, type Harness } from "./setup.js";
import type { GoogleGroupsBackend } from "../../controller/adapters/backends/google/index.js";

const USERS_PATH = "/admin/directory/v1/users";

function member(email: string, role: Role): DesiredMember {
  return { name: email.split("@")[0]!, email, role };
}

const desired: DesiredState = {
  revision: "c0ffee",
  organizations: [
    {
      name: "acme",
      settings: {
        ...defaultOrgSettings("acme"),
        displayName: "Acme Inc.",
        domains: ["acme.com"],
        autoProvisioning: { enabled: true, role: "member" },
      },
      policy: defaultOrgPolicy(),
      members: [
        member("carol@acme.com", "admin"),
        member("dave@acme.com", "member"),
        member("new@acme.com", "owner"),
        member("old@acme.com", "admin"),
      ],
    },
  ],
};

let h: Harness;
let state: ControllerState;
let backend: GoogleGroupsBackend;

beforeEach(async () => {
  h = await harness();
  h.fake
    .addMember(GROUP, "old@acme.com", "OWNER")
    .addMember(GROUP, "new@acme.com", "MANAGER")
    .addMember(GROUP, "carol@acme.com", "MEMBER")
    .addMember(GROUP, "dave@acme.com", "MANAGER")
    .addMember(GROUP, "contractor@elsewhere.org", "MEMBER")
    .addMember(GROUP, "nested-team@acme.com", "MEMBER", "GROUP");
  for (const email of ["old", "new", "carol", "dave", "auto1", "auto2"]) {
    h.fake.addUser(`${email}@acme.com`);
  }
  h.fake.addUser("sleepy@acme.com", { suspended: true });
  state = openStandaloneState(join(h.dir, "state.db"));
  backend = h.open();
});

afterEach(async () => {
  await state.close();
  await h.close();
});

async function observe(): Promise<ObservedState> {
  const [actual, capabilities, managed] = await Promise.all([
    backend.snapshot("acme"),
    backend.capabilities("acme"),
    state.managedMembers("acme"),
  ]);
  return { organizations: new Map([["acme", { actual, capabilities, managed }]]), undeclared: [] };
}

/** One sync: observe, plan, apply; returns the plan and the Google calls it cost. */
async function sync(): Promise<{ plan: Plan; reads: number; writes: number; pages: number }> {
  h.fake.calls.length = 0;
  const observed = await observe();
  const pages = h.fake.calls.length;
  const made = plan(desired, observed);
  expect(made.safety.safe).toBe(true);
  const results = await applyPlan(made, backend, state, { desired, observed });
  expect(results.filter((r) => r.result === "failed")).toEqual([]);
  const reads = h.fake.calls.filter((c) => c.method === "GET").length;
  return { plan: made, reads, writes: h.fake.calls.length - reads, pages };
}

function actions(p: Plan): string[] {
  return p.steps.map((s) =>
    [
      s.action,
      s.email ?? "",
      s.role ?? "",
      s.from ?? "",
      s.to ?? "",
      isAutoProvisioned(s) ? "auto" : "",
    ]
      .filter((x) => x !== "")
      .join(" "),
  );
}

describe("Google backend end to end: observe → plan → apply → converge", () => {
  it("transfers, changes roles, removes, auto-provisions, and revokes a suspended user", async () => {
    // Pass 1: the settings are not yet in the record, so the directory is not read yet.
    const first = await sync();
    expect(actions(first.plan)).toEqual([
      "updateOrganization",
      "changeRole carol@acme.com member admin",
      "transferOwnership new@acme.com old@acme.com new@acme.com",
      "changeRole dave@acme.com admin member",
      "remove contractor@elsewhere.org member",
    ]);
    // One members page read. Writes: one per step, except that the settings touch no Google
    // call (Google stores none) and the transfer is two patches (promote, then demote).
    expect(first.pages).toBe(1);
    expect(first.reads).toBe(1);
    expect(first.writes).toBe(first.plan.steps.length - 1 + 1);
    expect(first.writes).toBe(5);
    expect(h.fake.calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { role: "MANAGER" }, // carol's promotion: promotions run before transfers
      { role: "OWNER" }, // the transfer: promote the new owner, then demote the old one
      { role: "MANAGER" },
      { role: "MEMBER" }, // dave's demotion, after the transfer
    ]);

    // Pass 2: auto-provisioning reads the directory and adds its active users.
    const second = await sync();
    expect(actions(second.plan)).toEqual([
      "invite auto1@acme.com member auto",
      "invite auto2@acme.com member auto",
    ]);
    expect(second.pages).toBe(2);
    expect(h.fake.calls.filter((c) => c.path === USERS_PATH)).toHaveLength(1);
    expect(second.writes).toBe(2);

    // auto2 is suspended in Google: the next sync revokes the membership.
    h.fake.users.find((u) => u.primaryEmail === "auto2@acme.com")!.suspended = true;
    const third = await sync();
    expect(actions(third.plan)).toEqual(["remove auto2@acme.com member"]);
    expect(third.writes).toBe(1);

    const last = await sync();
    expect(last.plan.steps).toEqual([]);
    expect(last.writes).toBe(0);
    expect(h.fake.rolesOf(GROUP)).toEqual({
      "old@acme.com": "MANAGER",
      "new@acme.com": "OWNER",
      "carol@acme.com": "MANAGER",
      "dave@acme.com": "MEMBER",
      "nested-team@acme.com": "MEMBER",
      "auto1@acme.com": "MEMBER",
    });
    const actual = await backend.snapshot("acme");
    expect(actual!.members.find((m) => m.email === "auto1@acme.com")?.autoProvisioned).toBe(true);
    expect(actual!.members.find((m) => m.email === "carol@acme.com")?.autoProvisioned).toBe(
      undefined,
    );
  });

  it("gives an ownerless group its declared owner, then settles", async () => {
    const ownerless = "ops@acme.com";
    h.fake
      .addGroup(ownerless)
      .addMember(ownerless, "new@acme.com", "MEMBER")
      .addMember(ownerless, "old@acme.com", "MANAGER")
      .addMember(ownerless, "carol@acme.com", "MANAGER")
      .addMember(ownerless, "dave@acme.com", "MEMBER");
    backend = h.open({ group: ownerless, recordFile: join(h.dir, "ops.json") });

    const first = await sync();
    expect(actions(first.plan)).toEqual([
      "updateOrganization",
      "changeRole new@acme.com member owner",
    ]);
    expect(h.fake.rolesOf(ownerless)["new@acme.com"]).toBe("OWNER");
    await sync();
    const last = await sync();
    expect(last.plan.steps).toEqual([]);
    expect(Object.values(h.fake.rolesOf(ownerless)).filter((r) => r === "OWNER")).toHaveLength(1);
  });
});
