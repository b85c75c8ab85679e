import { afterEach, describe, expect, it } from "vitest";
import type {
  ActualOrganization,
  DesiredStateSource,
  Role,
  SourceSnapshot,
} from "../../controller/model/index.js";
import { SourceController } from "../../controller/reconcile/index.js";
import type {
  Decision,
  OrgEvent,
  SourceControllerOptions,
} from "../../controller/reconcile/index.js";
import { MemoryState } from "../apply/memory-state.js";
import { FlakyBackend } from "../fakes/flaky-backend.js";
import { MemoryBackend } from "../fakes/memory-backend.js";
import { waitFor } from "../kubernetes/helpers.js";

function orgFile(org: string, members: Record<string, Role>): { path: string; text: string } {
  const docs = [
    `apiVersion: roster.workjet.io/v1alpha1\nkind: Organization\nmetadata: { name: ${org} }\nspec: {}\n`,
    ...Object.entries(members).map(
      ([email, role]) =>
        `apiVersion: roster.workjet.io/v1alpha1\nkind: Member\nmetadata: { name: ${email.replace(/[@.]/g, "-")} }\nspec: { organization: ${org}, email: ${email}, role: ${role} }\n`,
    ),
  ];
  return { path: `${org}.yaml`, text: docs.join("---\n") };
}

/** A source whose files the test edits; each edit is a new revision. */
class EditableSource implements DesiredStateSource {
  readonly describe = "test source";
  reads = 0;
  private revision = 1;
  constructor(private files: { path: string; text: string }[]) {}
  set(files: { path: string; text: string }[]): void {
    this.files = files;
    this.revision++;
  }
  read(): Promise<SourceSnapshot> {
    this.reads++;
    return Promise.resolve({ revision: `r${this.revision}`, files: this.files, oversized: [] });
  }
}

/** Holds every snapshot of one org until released, counting how many run at once. */
class GatedBackend extends FlakyBackend {
  private release: (() => void) | undefined;
  private gate: Promise<void> | undefined;
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    inner: MemoryBackend,
    private readonly gatedOrg: string,
  ) {
    super(inner);
  }
  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  letGo(): void {
    this.release?.();
    this.gate = undefined;
  }
  override async snapshot(org: string): Promise<ActualOrganization | null> {
    if (org !== this.gatedOrg) return super.snapshot(org);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gate;
      return await super.snapshot(org);
    } finally {
      this.inFlight--;
    }
  }
}

const A = { "alice@a.io": "owner", "al@a.io": "member" } as const;
const B = { "bob@b.io": "owner", "bea@b.io": "member" } as const;
const noWait = { sleep: () => Promise.resolve(), random: () => 0 };

describe("SourceController: folder and Git mode on the per-organization core", () => {
  let controller: SourceController | undefined;
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
  });

  function run(
    source: DesiredStateSource,
    backend: FlakyBackend,
    overrides: Partial<SourceControllerOptions> = {},
  ) {
    const events: (OrgEvent & { at: number })[] = [];
    const stopped: Decision[] = [];
    controller = new SourceController({
      deps: { source, backend, state: new MemoryState() },
      intervalMs: 60_000,
      jitter: 0,
      maxConcurrentOrgs: 2,
      minBackoffMs: 10,
      random: () => 0,
      reconcileOptions: () => ({ dryRun: false, retry: noWait }),
      onOrg: (event) => {
        events.push({ ...event, at: performance.now() });
      },
      onSourceStopped: (_result, decision) => stopped.push(decision),
      ...overrides,
    });
    controller.start();
    const of = (org: string) => events.filter((e) => e.org === org);
    return { events, stopped, of, controller };
  }

  it("backs off only the org whose backend keeps failing; the other converges on every change", async () => {
    const memory = new MemoryBackend();
    const backend = new FlakyBackend(memory).fail(
      "snapshot",
      { kind: "transient", times: Infinity },
      { org: "a" },
    );
    const source = new EditableSource([orgFile("a", A), orgFile("b", B)]);
    const { of, controller: c } = run(source, backend);

    await waitFor(() => of("a").length >= 6, 10_000, "a retried with backoff");
    // b was reconciled once, by the start pass: a's retries are a's alone.
    expect(of("b").map((e) => [e.trigger, e.decision.kind])).toEqual([["start", "ok"]]);
    expect(of("a").every((e) => e.decision.kind === "requeue")).toBe(true);
    expect(
      of("a")
        .slice(1)
        .map((e) => e.trigger),
    ).toEqual(Array(of("a").length - 1).fill("retry"));
    // 10, 20, 40, 80… ms between a's attempts (random 0: exactly the exponential floor).
    const gaps = of("a")
      .slice(0, 6)
      .map((e, i, all) => (i === 0 ? 0 : e.at - all[i - 1]!.at))
      .slice(1);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(10 * 2 ** i - 2));

    // A new commit for b is applied at once, whatever a's backoff has grown to.
    source.set([orgFile("a", A), orgFile("b", { ...B, "ben@b.io": "member" })]);
    const before = of("a").length;
    c.trigger("webhook push");
    await waitFor(
      async () =>
        (await memory.snapshot("b"))?.invitations.some((i) => i.email === "ben@b.io") ?? false,
      5_000,
      "ben invited to b",
    );
    expect(of("b").at(-1)).toMatchObject({ trigger: "webhook push", decision: { kind: "ok" } });
    expect(of("b")).toHaveLength(2);
    // b does not wait for a: meanwhile a was tried by that pass and by its own backoff only.
    expect(of("a").length - before).toBeLessThanOrEqual(3);
    expect(await memory.snapshot("a")).toBeNull();
    expect(c.inSync()).toBe(false);
  });

  it("stalls an invalid source until the next pass, never retrying it hot", async () => {
    const twoOwners = orgFile("a", { "alice@a.io": "owner", "al@a.io": "owner" });
    const source = new EditableSource([twoOwners]);
    const backend = new FlakyBackend(new MemoryBackend());
    const started = performance.now();
    const { stopped, events } = run(source, backend, { intervalMs: 100 });
    await waitFor(() => source.reads >= 4, 10_000, "four interval passes");
    const elapsed = performance.now() - started;
    // One read per interval (a hot retry would read hundreds of times in that window).
    expect(source.reads).toBeLessThanOrEqual(Math.floor(elapsed / 100) + 1);
    expect(stopped.every((d) => d.kind === "stalled" && d.reason === "Invalid")).toBe(true);
    expect(events).toEqual([]);
    expect(backend.calls).toEqual([]);
  });

  it("writes nothing once the source turns invalid, not even the retries of the last good revision", async () => {
    const memory = new MemoryBackend();
    const backend = new FlakyBackend(memory).fail(
      "snapshot",
      { kind: "transient", times: Infinity },
      { org: "a" },
    );
    const source = new EditableSource([orgFile("a", A), orgFile("b", B)]);
    const { of, stopped } = run(source, backend, { intervalMs: 100 });
    await waitFor(() => of("a").length >= 3, 5_000, "a backing off");
    source.set([orgFile("a", { "alice@a.io": "owner", "al@a.io": "owner" }), orgFile("b", B)]);
    await waitFor(() => stopped.length >= 1, 5_000, "the invalid revision seen");
    const seen = of("a").length;
    // Two more interval passes: a's backoff (at most the 100 ms interval) would have fired.
    const reads = source.reads;
    await waitFor(() => source.reads >= reads + 2, 5_000, "two more passes");
    // At most the reconcile that was in flight when the invalid revision came.
    expect(of("a").length - seen).toBeLessThanOrEqual(1);
    expect(stopped.every((d) => d.kind === "stalled" && d.reason === "Invalid")).toBe(true);
  });

  it("does not retry a stalled org between passes: once per source pass", async () => {
    const memory = new MemoryBackend();
    const backend = new FlakyBackend(memory).fail(
      "snapshot",
      { kind: "permanent", code: "forbidden" },
      { org: "a" },
    );
    const source = new EditableSource([orgFile("a", A), orgFile("b", B)]);
    const { of } = run(source, backend, { intervalMs: 100 });
    await waitFor(() => source.reads >= 4, 10_000, "four interval passes");
    await waitFor(() => of("a").length >= 3, 10_000, "a reconciled by three passes");
    expect(of("a").every((e) => e.decision.kind === "stalled")).toBe(true);
    expect(of("a")[0]?.decision).toMatchObject({ reason: "BackendError" });
    // Never more reconciles of a than passes that queued it.
    expect(of("a").length).toBeLessThanOrEqual(source.reads);
    expect(of("a").every((e) => e.trigger === "start" || e.trigger === "interval")).toBe(true);
  });

  it("reconciles an org changed while it was being reconciled again, never twice at once", async () => {
    const memory = new MemoryBackend();
    const backend = new GatedBackend(memory, "a");
    backend.hold();
    const source = new EditableSource([orgFile("a", A)]);
    const { of, controller: c } = run(source, backend);
    await waitFor(() => backend.inFlight === 1, 5_000, "a's first reconcile under way");
    source.set([orgFile("a", { ...A, "ann@a.io": "admin" })]);
    c.trigger("webhook push");
    c.trigger("webhook push");
    await waitFor(() => source.reads === 2, 5_000, "the second source pass");
    expect(backend.inFlight).toBe(1);
    backend.letGo();
    await waitFor(() => of("a").length === 2, 5_000, "a reconciled again");
    await c.whenIdle();
    expect(backend.maxInFlight).toBe(1);
    expect(of("a").map((e) => [e.result.revision, e.trigger])).toEqual([
      ["r1", "start"],
      ["r2", "webhook push"],
    ]);
    const invited = (await memory.snapshot("a"))?.invitations.map((i) => i.email).sort();
    expect(invited).toEqual(["al@a.io", "ann@a.io"]);
    expect(c.inSync()).toBe(true);
  });

  it("reports an org the new revision no longer declares once, and leaves it alone", async () => {
    const memory = new MemoryBackend();
    const backend = new FlakyBackend(memory);
    const source = new EditableSource([orgFile("a", A), orgFile("b", B)]);
    const { of, controller: c } = run(source, backend);
    await waitFor(() => of("b").length === 1, 5_000, "b synced");
    await c.whenIdle();
    source.set([orgFile("a", A)]);
    c.trigger("webhook push");
    await waitFor(() => of("b").length === 2, 5_000, "b seen undeclared");
    expect(of("b")[1]?.decision).toMatchObject({ kind: "stalled", reason: "NotDeclared" });
    expect(of("b")[1]?.result.orgs).toEqual([]);
    const writes = backend.calls.filter((call) => call.org === "b" && call.method !== "snapshot");
    c.trigger("webhook push");
    await waitFor(() => source.reads === 3, 5_000, "a third pass");
    await waitFor(() => of("a").length === 3, 5_000, "a reconciled by it");
    // Reported once: b is not queued by later passes, and nothing more was written to it.
    expect(of("b")).toHaveLength(2);
    expect(backend.calls.filter((call) => call.org === "b" && call.method !== "snapshot")).toEqual(
      writes,
    );
    expect((await memory.snapshot("b"))?.invitations.map((i) => i.email)).toEqual(["bea@b.io"]);
  });
});
