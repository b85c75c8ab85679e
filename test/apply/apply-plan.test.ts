import { describe, expect, it } from "vitest";
import { applyPlan, UnsafePlanError } from "../../controller/apply/index.js";
import type { ApplyOptions } from "../../controller/apply/index.js";
import type {
  ActualOrganization,
  DesiredState,
  IdentityBackend,
} from "../../controller/model/index.js";
import { FULL_CAPABILITIES } from "../../controller/model/index.js";
import { plan } from "../../controller/plan/index.js";
import type { ObservedState } from "../../controller/plan/types.js";
import { FlakyBackend } from "../fakes/flaky-backend.js";
import { MemoryBackend } from "../fakes/memory-backend.js";
import { actualOrg, declaredOrg, desiredState } from "./fixtures.js";
import { MemoryState } from "./memory-state.js";

const noWait = { sleep: () => Promise.resolve(), random: () => 0.5 };

async function observe(
  backend: IdentityBackend,
  state: MemoryState,
  desired: DesiredState,
): Promise<ObservedState> {
  const organizations = new Map();
  for (const org of desired.organizations) {
    organizations.set(org.name, {
      actual: await backend.snapshot(org.name),
      managed: await state.managedMembers(org.name),
      capabilities: FULL_CAPABILITIES,
    });
  }
  return { organizations, undeclared: [] };
}

/** Observe → plan → apply, as one reconcile pass does. */
async function run(
  backend: IdentityBackend,
  state: MemoryState,
  desired: DesiredState,
  options: Partial<ApplyOptions> = {},
) {
  const observed = await observe(backend, state, desired);
  const p = plan(desired, observed);
  const results = await applyPlan(p, backend, state, {
    desired,
    observed,
    retry: noWait,
    managedState: state,
    ...options,
  });
  return { plan: p, results };
}

function seeded(...orgs: ActualOrganization[]): MemoryBackend {
  const backend = new MemoryBackend({ managedMarks: false });
  for (const org of orgs) backend.seed(org);
  return backend;
}

// These cases run the executor against a backend without per-record marks (as a Google group),
// whose memory lives in the explicit state location; test/sqlite and test/http cover the marks.
describe("applyPlan", () => {
  it("bootstraps an org: created with its owner, invites sent, one journal entry per step", async () => {
    const backend = new MemoryBackend({ managedMarks: false });
    const state = new MemoryState();
    const desired = desiredState(
      "rev-1",
      declaredOrg("acme", {
        "alice@acme.com": "owner",
        "bob@acme.com": "member",
        "carol@acme.com": "admin",
      }),
    );
    const { plan: p, results } = await run(backend, state, desired, {
      now: () => new Date("2026-03-01T10:00:00Z"),
    });
    expect(results.map((r) => [r.step.action, r.step.email, r.result])).toEqual([
      ["createOrganization", "alice@acme.com", "applied"],
      ["invite", "bob@acme.com", "applied"],
      ["invite", "carol@acme.com", "applied"],
    ]);
    expect(backend.outbox.map((m) => `${m.email}:${m.role}`)).toEqual([
      "bob@acme.com:member",
      "carol@acme.com:admin",
    ]);
    expect(state.journal).toHaveLength(p.steps.length);
    // Write-ahead: each outcome closes the intent recorded before its write, earlier in the chain.
    const bobIntent = state.chain.find((r) => r.kind === "intent" && r.email === "bob@acme.com");
    expect(bobIntent).toMatchObject({ kind: "intent", action: "invite", role: "member" });
    expect(state.journal[1]).toMatchObject({
      intent: bobIntent!.seq,
      time: "2026-03-01T10:00:00.000Z",
      org: "acme",
      action: "invite",
      email: "bob@acme.com",
      role: "member",
      revision: "rev-1",
      result: "applied",
    });
    expect(state.journal[1]!.seq).toBeGreaterThan(bobIntent!.seq);
    expect(state.chain.map((r) => r.prevHash).slice(1)).toEqual(
      state.chain.map((r) => r.hash).slice(0, -1),
    );
    expect(await state.openIntents()).toEqual([]);
    expect([...(await state.managedMembers("acme"))].sort()).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "carol@acme.com",
    ]);
    for (const w of backend.writes) {
      expect(w.ctx).toMatchObject({ revision: "rev-1", actor: "roster" });
      expect(w.ctx?.reason).toBeTruthy();
      expect(w.ctx?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    }
    // A second pass over the same state has nothing to do.
    const again = await run(backend, state, desired);
    expect(again.plan.steps).toEqual([]);
  });

  it("runs phases in order: promotions, transfer, invites, demotions, cancels, removals", async () => {
    const backend = seeded(
      actualOrg(
        "acme",
        {
          "alice@acme.com": "owner",
          "bob@acme.com": "member",
          "carol@acme.com": "admin",
          "dave@acme.com": "member",
          "greg@acme.com": "member",
        },
        { "eve@acme.com": "member" },
      ),
    );
    const state = new MemoryState();
    await state.addManagedMembers("acme", ["dave@acme.com"]);
    const desired = desiredState(
      "rev-2",
      declaredOrg("acme", {
        "alice@acme.com": "member",
        "bob@acme.com": "owner",
        "carol@acme.com": "member",
        "frank@acme.com": "member",
        "greg@acme.com": "admin",
      }),
    );
    const { results } = await run(backend, state, desired, { concurrency: 1 });
    expect(results.map((r) => `${r.step.action} ${r.step.email}: ${r.result}`)).toEqual(
      results.map((r) => `${r.step.action} ${r.step.email}: applied`),
    );
    expect(backend.writes.map((w) => `${w.action} ${w.email}`)).toEqual([
      "changeRole greg@acme.com",
      "transferOwnership bob@acme.com",
      "invite frank@acme.com",
      "changeRole alice@acme.com",
      "changeRole carol@acme.com",
      "cancelInvite eve@acme.com",
      "remove dave@acme.com",
    ]);
    expect(backend.invariantErrors).toEqual([]);
    const after = await backend.snapshot("acme");
    expect(after?.members.map((m) => `${m.email}:${m.role}`)).toEqual([
      "alice@acme.com:member",
      "bob@acme.com:owner",
      "carol@acme.com:member",
      "greg@acme.com:admin",
    ]);
    // dave was removed and eve's invitation cancelled: Roster no longer manages them.
    expect([...(await state.managedMembers("acme"))].sort()).toEqual([
      "alice@acme.com",
      "bob@acme.com",
      "carol@acme.com",
      "frank@acme.com",
      "greg@acme.com",
    ]);
  });

  it("retries transient errors with backoff and reports the attempts", async () => {
    const backend = seeded(actualOrg("acme", { "alice@acme.com": "owner" }));
    const flaky = new FlakyBackend(backend).fail(
      "invite",
      { kind: "transient", times: 2, retryAfterSeconds: 1 },
      { email: "bob@acme.com" },
    );
    const waits: number[] = [];
    const state = new MemoryState();
    const desired = desiredState(
      "r",
      declaredOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" }),
    );
    const { results } = await run(flaky, state, desired, {
      retry: { sleep: (ms) => (waits.push(ms), Promise.resolve()), random: () => 0.5 },
    });
    expect(results).toMatchObject([{ result: "applied", attempts: 3 }]);
    expect(waits).toEqual([1000, 1000]);
    expect(flaky.callsTo("invite").map((c) => c.outcome)).toEqual(["threw", "threw", "ok"]);
    expect(state.journal).toHaveLength(1);
    expect(backend.outbox).toHaveLength(1);
  });

  it("a write that committed but lost its answer is retried with the same key: no second invite", async () => {
    const backend = seeded(actualOrg("acme", { "alice@acme.com": "owner" }));
    const flaky = new FlakyBackend(backend).fail(
      "invite",
      { kind: "commitThenThrow", times: 1 },
      { email: "bob@acme.com" },
    );
    const state = new MemoryState();
    const desired = desiredState(
      "r",
      declaredOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" }),
    );
    const { results } = await run(flaky, state, desired);
    expect(results).toMatchObject([{ result: "applied", attempts: 2 }]);
    const calls = flaky.callsTo("invite", "bob@acme.com");
    expect(calls.map((c) => c.outcome)).toEqual(["committedThenThrew", "ok"]);
    expect(calls[0]!.idempotencyKey).toBe(calls[1]!.idempotencyKey);
    expect(backend.outbox.filter((m) => m.email === "bob@acme.com")).toHaveLength(1);
  });

  it("a non-transient failure is reported once, journaled, and the other steps go on", async () => {
    const backend = seeded(actualOrg("acme", { "alice@acme.com": "owner" }));
    const flaky = new FlakyBackend(backend).fail(
      "invite",
      { kind: "permanent", code: "forbidden" },
      { email: "bob@acme.com" },
    );
    const state = new MemoryState();
    const desired = desiredState(
      "r",
      declaredOrg("acme", {
        "alice@acme.com": "owner",
        "bob@acme.com": "member",
        "carol@acme.com": "member",
      }),
    );
    const { results } = await run(flaky, state, desired);
    expect(results.map((r) => [r.step.email, r.result, r.attempts])).toEqual([
      ["bob@acme.com", "failed", 1],
      ["carol@acme.com", "applied", 1],
    ]);
    expect(results[0]!.error).toMatchObject({ transient: false, code: "forbidden" });
    expect(state.journal.map((e) => [e.email, e.result])).toEqual(
      expect.arrayContaining([
        ["bob@acme.com", "failed"],
        ["carol@acme.com", "applied"],
      ]),
    );
    expect(state.journal.find((e) => e.result === "failed")?.error).toContain("injected");
    // bob stays managed (declared): the next pass tries again.
    expect(await state.managedMembers("acme")).toContain("bob@acme.com");
  });

  it("gives up after maxAttempts on a transient error that does not clear", async () => {
    const backend = seeded(actualOrg("acme", { "alice@acme.com": "owner" }));
    const flaky = new FlakyBackend(backend).fail("invite", { kind: "transient", times: 99 });
    const state = new MemoryState();
    const desired = desiredState(
      "r",
      declaredOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" }),
    );
    const { results } = await run(flaky, state, desired, {
      retry: { ...noWait, maxAttempts: 3 },
    });
    expect(results).toMatchObject([{ result: "failed", attempts: 3, error: { transient: true } }]);
    expect(flaky.callsTo("invite")).toHaveLength(3);
  });

  it("a failed transfer stops the old owner's demotion and removal, not the rest", async () => {
    const backend = seeded(
      actualOrg("acme", {
        "alice@acme.com": "owner",
        "bob@acme.com": "admin",
        "dan@acme.com": "member",
      }),
      actualOrg("beta", { "olga@beta.io": "owner", "pete@beta.io": "member" }),
    );
    const flaky = new FlakyBackend(backend)
      .fail("transferOwnership", { kind: "permanent", code: "conflict" }, { org: "acme" })
      .fail("transferOwnership", { kind: "permanent", code: "conflict" }, { org: "beta" });
    const state = new MemoryState();
    await state.addManagedMembers("beta", ["olga@beta.io"]);
    const desired = desiredState(
      "r",
      declaredOrg("acme", {
        "alice@acme.com": "member",
        "bob@acme.com": "owner",
        "dan@acme.com": "admin",
      }),
      declaredOrg("beta", { "pete@beta.io": "owner" }),
    );
    const { results } = await run(flaky, state, desired);
    const byKey = Object.fromEntries(
      results.map((r) => [`${r.step.org} ${r.step.action} ${r.step.email}`, r]),
    );
    expect(byKey["acme transferOwnership bob@acme.com"]).toMatchObject({ result: "failed" });
    expect(byKey["acme changeRole alice@acme.com"]).toMatchObject({
      result: "failed",
      attempts: 0,
      error: { message: expect.stringContaining("not attempted") },
    });
    expect(byKey["acme changeRole dan@acme.com"]).toMatchObject({ result: "applied" });
    expect(byKey["beta remove olga@beta.io"]).toMatchObject({ result: "failed", attempts: 0 });
    expect(flaky.callsTo("remove")).toEqual([]);
    expect(flaky.callsTo("changeRole", "alice@acme.com")).toEqual([]);
    // Not attempted → not journaled; olga stays managed so the next pass removes her.
    expect(state.journal.some((e) => e.email === "olga@beta.io")).toBe(false);
    expect(await state.managedMembers("beta")).toContain("olga@beta.io");
    expect(backend.invariantErrors).toEqual([]);
  });

  it("a failed createOrganization stops the rest of that org only", async () => {
    const backend = new MemoryBackend({ managedMarks: false });
    const flaky = new FlakyBackend(backend).fail(
      "createOrganization",
      { kind: "permanent" },
      { org: "acme" },
    );
    const state = new MemoryState();
    const desired = desiredState(
      "r",
      declaredOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" }),
      declaredOrg("beta", { "olga@beta.io": "owner", "pete@beta.io": "member" }),
    );
    const { results } = await run(flaky, state, desired);
    expect(results.map((r) => `${r.step.org} ${r.step.action} ${r.result} ${r.attempts}`)).toEqual([
      "acme createOrganization failed 1",
      "beta createOrganization applied 1",
      "acme invite failed 0",
      "beta invite applied 1",
    ]);
  });

  it("keeps at most `concurrency` writes in flight inside a phase", async () => {
    const backend = seeded(actualOrg("acme", { "alice@acme.com": "owner" }));
    let inFlight = 0;
    let peak = 0;
    const slow = new Proxy(backend, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== "invite" || typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            inFlight--;
          }
        };
      },
    });
    const members: Record<string, "owner" | "member"> = { "alice@acme.com": "owner" };
    for (let i = 0; i < 20; i++) members[`user${i}@acme.com`] = "member";
    const state = new MemoryState();
    const { results } = await run(slow, state, desiredState("r", declaredOrg("acme", members)), {
      concurrency: 3,
    });
    expect(results).toHaveLength(20);
    expect(peak).toBe(3);
    expect(backend.outbox).toHaveLength(20);
  });

  it("widens the managed set before the first write (write-ahead)", async () => {
    const backend = seeded(actualOrg("acme", { "alice@acme.com": "owner" }));
    const state = new MemoryState();
    const seenAtFirstWrite: string[][] = [];
    const spy = new Proxy(backend, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== "invite" || typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          seenAtFirstWrite.push([...(await state.managedMembers("acme"))].sort());
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    const desired = desiredState(
      "r",
      declaredOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" }),
    );
    await run(spy, state, desired);
    expect(seenAtFirstWrite[0]).toEqual(["alice@acme.com", "bob@acme.com"]);
  });

  it("narrows the managed set: removed or vanished emails leave, failed removals stay", async () => {
    const backend = seeded(
      actualOrg("acme", {
        "alice@acme.com": "owner",
        "gone@acme.com": "member",
        "stuck@acme.com": "member",
      }),
    );
    const flaky = new FlakyBackend(backend).fail(
      "remove",
      { kind: "permanent" },
      { email: "stuck@acme.com" },
    );
    const state = new MemoryState();
    // vanished@ was managed but the Portal no longer has them (removed by hand).
    await state.addManagedMembers("acme", ["gone@acme.com", "stuck@acme.com", "vanished@acme.com"]);
    const desired = desiredState("r", declaredOrg("acme", { "alice@acme.com": "owner" }));
    await run(flaky, state, desired);
    expect([...(await state.managedMembers("acme"))].sort()).toEqual([
      "alice@acme.com",
      "stuck@acme.com",
    ]);
  });

  it("a journal failure rejects the run, and the write-ahead managed set survives it", async () => {
    const backend = seeded(actualOrg("acme", { "alice@acme.com": "owner" }));
    const state = new MemoryState();
    state.failJournal = 1;
    const desired = desiredState(
      "r",
      declaredOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" }),
    );
    await expect(run(backend, state, desired)).rejects.toThrow("journal store unavailable");
    expect(await state.managedMembers("acme")).toContain("bob@acme.com");
    // The re-run converges: the invite landed, so nothing is sent twice.
    const again = await run(backend, state, desired);
    expect(again.plan.steps).toEqual([]);
    expect(backend.outbox).toHaveLength(1);
  });

  it("refuses an unsafe plan before any write", async () => {
    const backend = seeded(
      actualOrg("acme", {
        "alice@acme.com": "owner",
        "a@acme.com": "member",
        "b@acme.com": "member",
      }),
    );
    const state = new MemoryState();
    await state.addManagedMembers("acme", ["a@acme.com", "b@acme.com"]);
    const desired = desiredState(
      "r",
      declaredOrg(
        "acme",
        { "alice@acme.com": "owner", "new@acme.com": "member" },
        { maxRemovals: { kind: "count", value: 1 } },
      ),
    );
    await expect(run(backend, state, desired)).rejects.toBeInstanceOf(UnsafePlanError);
    expect(backend.writes).toEqual([]);
    expect(state.journal).toEqual([]);
  });

  it("passes the step's auto-provisioning flag to the backend (R8)", async () => {
    const backend = seeded(actualOrg("acme", { "alice@acme.com": "owner" }));
    const state = new MemoryState();
    const desired = desiredState("r", declaredOrg("acme", { "alice@acme.com": "owner" }));
    const observed = await observe(backend, state, desired);
    const step = {
      action: "invite" as const,
      org: "acme",
      email: "dir@acme.com",
      role: "member" as const,
      reason: "directory user",
      autoProvisioned: true,
    };
    const results = await applyPlan(
      {
        revision: "r",
        steps: [step],
        blocked: [],
        warnings: [],
        safety: { safe: true, refusals: [], removals: [] },
      },
      backend,
      state,
      { desired, observed, retry: noWait },
    );
    expect(results).toMatchObject([{ result: "applied" }]);
    expect(backend.writes[0]?.ctx?.autoProvisioned).toBe(true);
  });

  it("reports progress after every step", async () => {
    const backend = new MemoryBackend({ managedMarks: false });
    const state = new MemoryState();
    const seen: string[] = [];
    await run(
      backend,
      state,
      desiredState("r", declaredOrg("acme", { "alice@acme.com": "owner", "b@acme.com": "member" })),
      { onStepDone: (r, done, total) => seen.push(`${r.step.action} ${done}/${total}`) },
    );
    expect(seen).toEqual(["createOrganization 1/2", "invite 2/2"]);
  });
});
