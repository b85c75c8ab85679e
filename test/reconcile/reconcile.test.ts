import { describe, expect, it } from "vitest";
import type { DesiredStateSource, Role, SourceSnapshot } from "../../controller/model/index.js";
import { reconcile } from "../../controller/reconcile/index.js";
import type { ReconcileOptions } from "../../controller/reconcile/index.js";
import { actualOrg } from "../apply/fixtures.js";
import { MemoryState } from "../apply/memory-state.js";
import { FlakyBackend } from "../fakes/flaky-backend.js";
import { MemoryBackend } from "../fakes/memory-backend.js";

/** YAML for one org, as a source file. */
function orgFile(
  org: string,
  members: Record<string, Role | "superuser">,
  spec: Record<string, string> = {},
): { path: string; text: string } {
  const docs = [
    `apiVersion: roster.workjet.io/v1alpha1\nkind: Organization\nmetadata: { name: ${org} }\nspec: { ${Object.entries(
      spec,
    )
      .map(([k, v]) => `${k}: ${v}`)
      .join(", ")} }\n`,
    ...Object.entries(members).map(
      ([email, role]) =>
        `apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: { name: ${email.replace(/[@.]/g, "-")} }\nspec: { organization: ${org}, email: ${email}, role: ${role} }\n`,
    ),
  ];
  return { path: `${org}.yaml`, text: docs.join("---\n") };
}

class TestSource implements DesiredStateSource {
  readonly describe = "test source";
  reads = 0;
  constructor(
    private readonly files: { path: string; text: string }[] | Error,
    private readonly revision = "rev-test",
  ) {}
  read(): Promise<SourceSnapshot> {
    this.reads++;
    if (this.files instanceof Error) return Promise.reject(this.files);
    return Promise.resolve({ revision: this.revision, files: this.files, oversized: [] });
  }
}

const noWait = { sleep: () => Promise.resolve(), random: () => 0 };
const apply: ReconcileOptions = { dryRun: false, retry: noWait };

const acme = orgFile("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" });
const beta = orgFile("beta", { "olga@beta.io": "owner", "pete@beta.io": "admin" });

describe("reconcile", () => {
  it("creates and invites for every declared org, then has nothing to do", async () => {
    const backend = new MemoryBackend();
    const state = new MemoryState();
    const source = new TestSource([acme, beta]);
    const result = await reconcile({ source, backend, state }, apply);
    expect(result.revision).toBe("rev-test");
    expect(result.orgs.map((o) => [o.org, o.status, o.results.length])).toEqual([
      ["acme", "synced", 2],
      ["beta", "synced", 2],
    ]);
    expect(result.plan?.steps).toHaveLength(4);
    expect(backend.outbox.map((m) => m.email)).toEqual(["bob@acme.com", "pete@beta.io"]);
    const again = await reconcile({ source, backend, state }, apply);
    expect(again.plan?.steps).toEqual([]);
    expect(again.orgs.every((o) => o.status === "synced")).toBe(true);
  });

  it("an unreadable source writes nothing and says why", async () => {
    const backend = new MemoryBackend();
    const result = await reconcile(
      {
        source: new TestSource(new Error("clone failed: host unreachable")),
        backend,
        state: new MemoryState(),
      },
      apply,
    );
    expect(result.sourceError).toEqual({
      message: "clone failed: host unreachable",
      transient: false,
    });
    expect(result.orgs).toEqual([]);
    expect(result.plan).toBeUndefined();
    expect(backend.writes).toEqual([]);
  });

  it("any validation error means zero writes for every org", async () => {
    const backend = new MemoryBackend();
    const bad = orgFile("beta", { "olga@beta.io": "owner", "pete@beta.io": "superuser" });
    const result = await reconcile(
      { source: new TestSource([acme, bad]), backend, state: new MemoryState() },
      apply,
    );
    expect(result.issues.some((i) => i.severity === "error" && i.file === "beta.yaml")).toBe(true);
    expect(result.orgs).toEqual([]);
    expect(backend.writes).toEqual([]);
  });

  it("an org that cannot be read fails alone; the others are applied", async () => {
    const backend = new MemoryBackend();
    const flaky = new FlakyBackend(backend)
      .fail("snapshot", { kind: "transient", times: 1 }, { org: "acme" })
      .fail("capabilities", { kind: "permanent", code: "forbidden" }, { org: "beta" });
    const gamma = orgFile("gamma", { "gus@gamma.dev": "owner" });
    const result = await reconcile(
      { source: new TestSource([acme, beta, gamma]), backend: flaky, state: new MemoryState() },
      apply,
    );
    expect(result.orgs.map((o) => [o.org, o.status, o.error?.transient])).toEqual([
      ["acme", "failed", true],
      ["beta", "failed", false],
      ["gamma", "synced", undefined],
    ]);
    expect(backend.writes.map((w) => w.org)).toEqual(["gamma"]);
    expect(result.plan?.warnings.map((w) => `${w.org} ${w.code}`)).toEqual([
      "acme not-observed",
      "beta not-observed",
    ]);
  });

  it("a backend that cannot list its organizations fails every org, writing nothing", async () => {
    const backend = new MemoryBackend();
    const flaky = new FlakyBackend(backend).fail("listOrganizations", {
      kind: "transient",
      times: 1,
    });
    const result = await reconcile(
      { source: new TestSource([acme, beta]), backend: flaky, state: new MemoryState() },
      apply,
    );
    expect(result.orgs.map((o) => o.status)).toEqual(["failed", "failed"]);
    expect(backend.writes).toEqual([]);
  });

  it("an org refused by safety is left alone while the others go on", async () => {
    const backend = new MemoryBackend();
    backend.seed(
      actualOrg("acme", {
        "alice@acme.com": "owner",
        "bob@acme.com": "member",
        "x1@acme.com": "member",
        "x2@acme.com": "member",
      }),
    );
    const state = new MemoryState();
    await backend.markManaged("acme", ["x1@acme.com", "x2@acme.com"], {
      revision: "earlier",
      reason: "managed since an earlier apply",
      actor: "roster",
      idempotencyKey: "mark-x",
    });
    const strict = orgFile(
      "acme",
      { "alice@acme.com": "owner", "bob@acme.com": "member" },
      { safety: "{ maxRemovals: 1 }" },
    );
    const result = await reconcile(
      { source: new TestSource([strict, beta]), backend, state },
      apply,
    );
    expect(result.orgs.map((o) => [o.org, o.status])).toEqual([
      ["acme", "refused"],
      ["beta", "synced"],
    ]);
    expect(result.orgs[0]!.plan?.safety.refusals[0]?.rule).toBe("max-removals");
    expect(backend.writes.every((w) => w.org === "beta")).toBe(true);
    // The refused org's marks are untouched.
    expect(
      ["x1@acme.com", "x2@acme.com", "bob@acme.com"].map((e) => backend.isMarked("acme", e)),
    ).toEqual([true, true, false]);

    const allowed = await reconcile(
      { source: new TestSource([strict, beta]), backend, state },
      {
        ...apply,
        maxRemovalsOverride: 2,
      },
    );
    expect(allowed.orgs[0]).toMatchObject({ org: "acme", status: "synced" });
    expect((await backend.snapshot("acme"))?.members.map((m) => m.email)).toEqual([
      "alice@acme.com",
      "bob@acme.com",
    ]);
  });

  it("an empty source is refused as a whole", async () => {
    const backend = new MemoryBackend();
    backend.seed(actualOrg("acme", { "alice@acme.com": "owner" }));
    const result = await reconcile(
      {
        source: new TestSource([{ path: "empty.yaml", text: "# nothing\n" }]),
        backend,
        state: new MemoryState(),
      },
      apply,
    );
    expect(
      result.issues.some((i) => i.severity === "error") || result.plan?.safety.safe === false,
    ).toBe(true);
    expect(backend.writes).toEqual([]);
  });

  it("a dry run plans every org and writes nothing, not even the managed sets", async () => {
    const backend = new MemoryBackend();
    const state = new MemoryState();
    const result = await reconcile(
      { source: new TestSource([acme, beta]), backend, state },
      { dryRun: true },
    );
    expect(result.orgs.map((o) => o.status)).toEqual(["dryRun", "dryRun"]);
    expect(result.orgs[0]!.plan?.steps.map((s) => s.action)).toEqual([
      "createOrganization",
      "invite",
    ]);
    expect(backend.writes).toEqual([]);
    expect(state.managedWrites).toEqual([]);
    expect(state.journal).toEqual([]);
  });

  it("a failed step makes its org partial, the others synced", async () => {
    const backend = new MemoryBackend();
    const flaky = new FlakyBackend(backend).fail(
      "invite",
      { kind: "permanent" },
      { email: "bob@acme.com" },
    );
    const result = await reconcile(
      { source: new TestSource([acme, beta]), backend: flaky, state: new MemoryState() },
      apply,
    );
    expect(result.orgs.map((o) => [o.org, o.status])).toEqual([
      ["acme", "partial"],
      ["beta", "synced"],
    ]);
    expect(result.orgs[0]!.results.find((r) => r.result === "failed")?.step.email).toBe(
      "bob@acme.com",
    );
  });

  it("limited to some orgs: observes and applies only those, without listing the backend", async () => {
    const backend = new MemoryBackend();
    const flaky = new FlakyBackend(backend);
    const result = await reconcile(
      { source: new TestSource([acme, beta]), backend: flaky, state: new MemoryState() },
      { ...apply, orgs: ["beta"] },
    );
    expect(result.orgs.map((o) => o.org)).toEqual(["beta"]);
    expect(flaky.callsTo("listOrganizations")).toEqual([]);
    expect(new Set(flaky.calls.map((c) => c.org))).toEqual(new Set(["beta"]));
    const none = await reconcile(
      { source: new TestSource([acme]), backend: flaky, state: new MemoryState() },
      { ...apply, orgs: ["gone"] },
    );
    expect(none).toMatchObject({ orgs: [], issues: [] });
    expect(none.plan).toBeUndefined();
  });

  it("asks confirm only when there is something to write; no means nothing written", async () => {
    const backend = new MemoryBackend();
    const state = new MemoryState();
    const asked: number[] = [];
    const declined = await reconcile(
      { source: new TestSource([acme]), backend, state },
      {
        ...apply,
        confirm: (plan) => (asked.push(plan.steps.length), Promise.resolve(false)),
      },
    );
    expect(asked).toEqual([2]);
    expect(declined.orgs.map((o) => o.status)).toEqual(["dryRun"]);
    expect(backend.writes).toEqual([]);
    expect(state.managedWrites).toEqual([]);

    await reconcile({ source: new TestSource([acme]), backend, state }, apply);
    const quiet = await reconcile(
      { source: new TestSource([acme]), backend, state },
      {
        ...apply,
        confirm: () => {
          throw new Error("must not ask when there is nothing to do");
        },
      },
    );
    expect(quiet.orgs.map((o) => o.status)).toEqual(["synced"]);
  });

  it("adopting an org with nothing to change still records who Roster manages", async () => {
    const backend = new MemoryBackend();
    backend.seed(actualOrg("acme", { "alice@acme.com": "owner", "bob@acme.com": "member" }));
    const state = new MemoryState();
    const report = orgFile(
      "acme",
      { "alice@acme.com": "owner", "bob@acme.com": "member" },
      { unmanaged: "report" },
    );
    const adopted = await reconcile({ source: new TestSource([report]), backend, state }, apply);
    expect(adopted.plan?.steps).toEqual([]);
    // Marked in the backend, so any checkout knows it (no working-directory memory).
    expect(["alice@acme.com", "bob@acme.com"].map((e) => backend.isMarked("acme", e))).toEqual([
      true,
      true,
    ]);
    expect(await state.managedMembers("acme")).toEqual(new Set());
    // Deleting bob from the source now removes him, even with `unmanaged: report`.
    const without = orgFile("acme", { "alice@acme.com": "owner" }, { unmanaged: "report" });
    const result = await reconcile(
      { source: new TestSource([without], "rev-2"), backend, state },
      apply,
    );
    expect(result.plan?.steps.map((s) => `${s.action} ${s.email}`)).toEqual([
      "remove bob@acme.com",
    ]);
  });

  it("reports the load, then every step, to the observer; names undeclared orgs", async () => {
    const backend = new MemoryBackend();
    backend.seed(actualOrg("legacy", { "old@legacy.io": "owner" }));
    const seen: string[] = [];
    const result = await reconcile(
      {
        source: new TestSource([acme]),
        backend,
        state: new MemoryState(),
        observer: {
          onLoaded: (revision, issues) => seen.push(`loaded ${revision} ${issues.length}`),
          onStepDone: (org, r, done, total) =>
            seen.push(`${org} ${r.step.action} ${done}/${total}`),
        },
      },
      apply,
    );
    expect(seen).toEqual(["loaded rev-test 0", "acme createOrganization 1/2", "acme invite 2/2"]);
    expect(result.plan?.warnings).toEqual([
      expect.objectContaining({ org: "legacy", code: "undeclared-organization" }),
    ]);
    expect((await backend.snapshot("legacy"))?.members).toHaveLength(1);
  });

  it("a failing controller store makes the org partial, keeping what was done", async () => {
    const backend = new MemoryBackend();
    const state = new MemoryState();
    const original = state.appendJournal.bind(state);
    let entries = 0;
    state.appendJournal = (entry) =>
      ++entries === 2 ? Promise.reject(new Error("disk full")) : original(entry);
    const result = await reconcile(
      { source: new TestSource([acme]), backend, state },
      { ...apply, concurrency: 1 },
    );
    expect(result.orgs[0]).toMatchObject({
      status: "partial",
      error: { message: "disk full", transient: false },
    });
    expect(result.orgs[0]!.results.map((r) => r.step.action)).toEqual(["createOrganization"]);
  });
});
